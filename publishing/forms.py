"""The admin's policy form: parses what was typed into the shape the services take."""

from __future__ import annotations

import datetime
import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import slugify
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from catalog.models import CatalogItem, PolicyKind
from common.saudi import ascii_digits
from publishing.models import ApprovalPosition, DeadlineKind, PolicyDraft
from publishing.procedure import STEP_KINDS
from publishing.retention import RETENTION_LABELS
from publishing.selectors import holidays
from publishing.services import (
    SECTION_TEXTS,
    hijri_date_parse,
    retention_of,
    section_in_force,
    section_own,
)

HIJRI_MONTHS = (
    _("Muharram"),
    _("Safar"),
    _("Rabi al-Awwal"),
    _("Rabi al-Thani"),
    _("Jumada al-Ula"),
    _("Jumada al-Akhirah"),
    _("Rajab"),
    _("Shaban"),
    _("Ramadan"),
    _("Shawwal"),
    _("Dhu al-Qadah"),
    _("Dhu al-Hijjah"),
)

KINDS = {
    "channels": CatalogItem.Kind.CHANNEL,
    "tools": CatalogItem.Kind.TOOL,
    "referral_roles": CatalogItem.Kind.REFERRAL_ROLE,
}
LABELS = {
    "channels": _("Channels"),
    "tools": _("Tools available to the officer"),
    "referral_roles": _("Roles unclear cases are referred to"),
}

ITEM_NAME_LABELS = {
    "ar": _("Arabic name of %(name)s"),
    "en": _("English name of %(name)s"),
}
SECTION_TEXT_LABELS = {
    "title_ar": _("Title (Arabic)"),
    "title_en": _("Title (English)"),
    "body_ar": _("Text (Arabic)"),
    "body_en": _("Text (English)"),
}
BODY_HELP = _(
    "As your policy words it. Paragraphs are separated by an empty line; a line starting with "
    "“- ” is a point, one starting with two spaces and “- ” a sub-point under it: delete or "
    "rewrite any of them. Keep {channels}, {tools} or {procedure} on its own line where the "
    "page lists them; {association_name} is your association's name."
)
SECTION_ERROR = re.compile(r"^sections\[(\w+)\]\.(\w+)$")


EMPTY_ROWS = 3  # empty rows under a list's filled ones; «أضف صفاً» adds one more
MAX_ROWS = 400


def _row_count(data, name: str, filled: int, add_rows: str) -> int:
    """How many rows a list of rows shows: as posted (so what was typed comes back), or its
    filled rows and a few empty ones; more when its «add rows» button was pressed."""
    posted = str(data.get(f"{name}_rows", "")) if data is not None else ""
    count = int(posted) if posted.isascii() and posted.isdigit() else filled + EMPTY_ROWS
    if add_rows == name:
        count += 1
    return max(1, min(count, MAX_ROWS))


class LatinDigitsDateField(forms.DateField):
    """A date field that reads Arabic-Indic digits too (typed where the browser has no picker)."""

    def to_python(self, value):
        return super().to_python(ascii_digits(value) if isinstance(value, str) else value)


HIJRI_PARTS = ("day", "month", "year")


class HijriDateWidget(forms.MultiWidget):
    """An Umm al-Qura date as day and month selects and a year: posted as YYYY-MM-DD (the
    service's form of it). A client that posts the field whole, YYYY-MM-DD, is read as is."""

    def __init__(self):
        months = [("", _("Month"))] + [
            (str(month), name) for month, name in enumerate(HIJRI_MONTHS, 1)
        ]
        super().__init__(
            {
                "day": forms.Select(
                    choices=[("", _("Day"))] + [(str(d), str(d)) for d in range(1, 31)],
                    attrs={"aria-label": _("Day (Hijri)")},
                ),
                "month": forms.Select(choices=months, attrs={"aria-label": _("Month (Hijri)")}),
                "year": forms.NumberInput(
                    attrs={
                        "min": 1343,
                        "max": 1500,
                        "inputmode": "numeric",
                        "dir": "ltr",
                        "placeholder": "1446",
                        "class": "hijri-year",
                        "aria-label": _("Year (Hijri)"),
                    }
                ),
            }
        )

    def decompress(self, value):
        match = re.match(r"^(\d{4})-(\d{1,2})-(\d{1,2})$", ascii_digits(value or ""))
        if not match:
            return ["", "", ""]
        year, month, day = (str(int(part)) for part in match.groups())
        return [day, month, year]

    def value_from_datadict(self, data, files, name):
        parts = {
            part: ascii_digits(str(data.get(f"{name}_{part}", ""))).strip() for part in HIJRI_PARTS
        }
        if not any(parts.values()):
            return data.get(name, "")
        if all(value.isdigit() for value in parts.values()):
            return f"{int(parts['year']):04d}-{int(parts['month']):02d}-{int(parts['day']):02d}"
        return "{year}-{month}-{day}".format(**parts)  # incomplete: the form says what is missing


def _step_lines(steps: list[dict]) -> str:
    """The steps one a line, "kind | Arabic wording | English wording" (wordings optional)."""
    lines = []
    for step in steps:
        parts = [step["step"], step.get("text_ar", ""), step.get("text_en", "")]
        while len(parts) > 1 and not parts[-1]:
            parts.pop()
        lines.append(" | ".join(parts))
    return "\n".join(lines)


class SectionWordsForm(forms.Form):
    """A policy's sections in the association's own words: shown or not, title and body, the
    template's again, extra text. The beneficiary policy's form and the other kinds' share it."""

    draft: PolicyDraft

    def _section_fields(self, section: dict) -> None:
        """A section's fields: shown or not, its title and body as they read now (the
        association's own or the template's), a way back to the template's, its extra text."""
        key = section["key"]
        if section["optional"]:
            self.fields[f"section_{key}_included"] = forms.BooleanField(
                label=_("Show this section"), required=False, initial=section["included"]
            )
        in_force = section_in_force(section)
        parts = [("title", 1)] if key == "approval" else [("title", 1), ("body", 8)]
        for part, rows in parts:
            for language in ("ar", "en"):
                field = f"{part}_{language}"
                self.fields[f"section_{key}_{field}"] = forms.CharField(
                    label=SECTION_TEXT_LABELS[field],
                    required=False,
                    max_length=SECTION_TEXTS[field],
                    widget=forms.Textarea(
                        attrs={"rows": rows, "dir": "rtl" if language == "ar" else "ltr"}
                    ),
                    initial=in_force[field],
                    help_text=BODY_HELP if field == "body_ar" else "",
                )
        if any(section_own(section, field) for field in SECTION_TEXTS):
            self.fields[f"section_{key}_template"] = forms.BooleanField(
                label=_("Use the template's title and text again"), required=False
            )
        for language, label in (
            ("ar", _("Extra text (Arabic)")),
            ("en", _("Extra text (English)")),
        ):
            self.fields[f"section_{key}_extra_{language}"] = forms.CharField(
                label=label,
                required=False,
                max_length=5000,
                widget=forms.Textarea(
                    attrs={"rows": 2, "dir": "rtl" if language == "ar" else "ltr"}
                ),
                initial=section[f"extra_{language}"],
            )

    def service_errors(self, error: ValidationError) -> ValidationError:
        """The service's error with a section text's key ("sections[preamble].body_ar") named
        as this form's field, so the message stands beside what was typed."""
        if not hasattr(error, "error_dict"):
            return error
        return ValidationError(
            {
                SECTION_ERROR.sub(r"section_\1_\2", field): messages
                for field, messages in error.message_dict.items()
            }
        )

    def section_fields(self) -> list[tuple[dict, list, bool]]:
        """Each section of the draft as it reads, its bound fields, and whether one of them has
        an error (its panel then opens), for the template."""
        sections = []
        for section in self.draft.sections:
            prefix = f"section_{section['key']}_"
            fields = [self[name] for name in self.fields if name.startswith(prefix)]
            sections.append(
                (section_in_force(section), fields, any(field.errors for field in fields))
            )
        return sections

    def _section_texts(self, key: str) -> dict[str, str]:
        """The section's title and body as typed; empty (the template's) when asked for."""
        back = self.cleaned_data.get(f"section_{key}_template")
        return {
            field: "" if back else self.cleaned_data[f"section_{key}_{field}"]
            for field in SECTION_TEXTS
            if f"section_{key}_{field}" in self.fields
        }

    def sections_data(self) -> list[dict]:
        data = self.cleaned_data
        return [
            {
                "key": section["key"],
                **(
                    {"included": data[f"section_{section['key']}_included"]}
                    if section["optional"]
                    else {}
                ),
                **self._section_texts(section["key"]),
                "extra_ar": data[f"section_{section['key']}_extra_ar"],
                "extra_en": data[f"section_{section['key']}_extra_en"],
            }
            for section in self.draft.sections
        ]


LANGUAGE_CHOICES = [("ar", _("Arabic only")), ("ar en", _("Arabic and English"))]
LANGUAGES_HELP = _("In Arabic only, no English is asked for: the English page shows the Arabic.")


class KindPolicyForm(SectionWordsForm):
    """The editor of a policy other than the beneficiary one: its languages and its sections."""

    revision = forms.IntegerField(widget=forms.HiddenInput)
    languages = forms.ChoiceField(
        label=_("Languages of the policy"),
        choices=LANGUAGE_CHOICES,
        widget=forms.RadioSelect,
        required=False,
        help_text=LANGUAGES_HELP,
    )

    def __init__(self, *args, draft: PolicyDraft, **kwargs):
        self.draft = draft
        initial = {"revision": draft.revision, "languages": " ".join(draft.languages)}
        super().__init__(*args, initial=initial, **kwargs)
        if draft.kind == PolicyKind.DOCUMENT_RETENTION:
            periods = retention_of(draft)
            for key, label in RETENTION_LABELS.items():
                # Text, not a number field: the service names what is wrong (and reads ٥ as 5).
                self.fields[f"retention_{key}"] = forms.CharField(
                    label=label, initial=periods[key], max_length=10, required=False
                )
        for section in draft.sections:
            self._section_fields(section)

    def retention_fields(self) -> list:
        return [self[name] for name in self.fields if name.startswith("retention_")]

    def to_data(self) -> dict:
        languages = self.cleaned_data["languages"]
        retention = {
            name.removeprefix("retention_"): self.cleaned_data[name]
            for name in self.fields
            if name.startswith("retention_")
        }
        return {
            **({"languages": languages.split()} if languages else {}),
            **({"retention": retention} if retention else {}),
            "sections": self.sections_data(),
        }


class PolicyForm(SectionWordsForm):
    revision = forms.IntegerField(widget=forms.HiddenInput)
    languages = forms.ChoiceField(
        label=_("Languages of the policy"),
        choices=LANGUAGE_CHOICES,
        widget=forms.RadioSelect,
        required=False,
        help_text=LANGUAGES_HELP,
    )
    procedure = forms.CharField(
        label=_("Steps of dealing with the beneficiary"),
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_(
            "One step a line, in order: its kind (%(kinds)s), then, if you want your own words, "
            "| the Arabic wording | the English wording. Without wording, the template's."
        )
        % {"kinds": ", ".join(STEP_KINDS)},
    )
    decision_body_ar = forms.CharField(
        label=_("Who decides (Arabic)"), required=False, max_length=200
    )
    decision_body_en = forms.CharField(
        label=_("Who decides (English)"), required=False, max_length=200
    )
    deadline_kind = forms.ChoiceField(
        label=_("Committee deadline"), choices=DeadlineKind.choices, widget=forms.RadioSelect
    )
    deadline_days = forms.IntegerField(
        label=_("Number of days"), required=False, min_value=1, max_value=90
    )
    deadline_wording_ar = forms.CharField(
        label=_("The deadline as the board worded it (Arabic)"),
        required=False,
        max_length=200,
        help_text=_("e.g. خلال مدة لا تقل عن أسبوعين. Empty: the number of days is printed."),
    )
    deadline_wording_en = forms.CharField(
        label=_("The deadline as the board worded it (English)"), required=False, max_length=200
    )

    def __init__(self, *args, draft: PolicyDraft, add_rows: str = "", **kwargs):
        self.draft = draft
        self.add_rows = add_rows
        self.catalogue = {
            name: list(CatalogItem.objects.filter(kind=kind)) for name, kind in KINDS.items()
        }
        initial = {
            "revision": draft.revision,
            "languages": " ".join(draft.languages),
            "procedure": _step_lines(draft.procedure),
            "decision_body_ar": draft.decision_body_ar,
            "decision_body_en": draft.decision_body_en,
            "deadline_kind": draft.deadline_kind,
            "deadline_days": draft.deadline_days,
            "deadline_wording_ar": draft.deadline_wording_ar,
            "deadline_wording_en": draft.deadline_wording_en,
        }
        super().__init__(*args, initial=initial, **kwargs)
        self.item_rows: dict[str, list[dict]] = {}
        self.row_counts: dict[str, int] = {}
        for name in KINDS:
            self._item_fields(name)
        self._holiday_fields()
        for section in draft.sections:
            self._section_fields(section)

    def _item_fields(self, name: str) -> None:
        """A list's fields: each catalogue item ticked or not, with its name as the draft has
        it; every item's position, in the draft's order (the catalogue's others after it);
        the association's own items, one a line."""
        arabic = (get_language() or "ar").startswith("ar")
        catalogue = {item.code: item for item in self.catalogue[name]}
        drafted = getattr(self.draft, name)
        rows = drafted + [
            {"code": code, "name_ar": item.name_ar, "name_en": item.name_en}
            for code, item in catalogue.items()
            if code not in {row["code"] for row in drafted}
        ]
        self.item_rows[name] = rows
        self.fields[name] = forms.MultipleChoiceField(
            label=LABELS[name],
            required=False,
            choices=[
                (row["code"], row["name_ar"] if arabic else row["name_en"] or row["name_ar"])
                for row in rows
                if row["code"] in catalogue
            ],
            widget=forms.CheckboxSelectMultiple,
            initial=[row["code"] for row in drafted if row["code"] in catalogue],
        )
        for position, row in enumerate(rows, 1):
            code, shown = row["code"], row["name_ar"]
            label = _("Position of %(name)s") % {"name": shown}
            self.fields[f"{name}_position_{code}"] = forms.IntegerField(
                label=label,
                required=False,
                min_value=1,
                max_value=999,
                initial=position,
                widget=forms.NumberInput(attrs={"class": "position", "aria-label": label}),
            )
            if code not in catalogue:
                continue
            for language in ("ar", "en"):
                label = ITEM_NAME_LABELS[language] % {"name": shown}
                self.fields[f"{name}_name_{language}_{code}"] = forms.CharField(
                    label=label,
                    required=False,
                    max_length=200,
                    initial=row[f"name_{language}"],
                    widget=forms.TextInput(
                        attrs={"dir": "rtl" if language == "ar" else "ltr", "aria-label": label}
                    ),
                )
        own = [row for row in drafted if row["code"] not in catalogue]
        count = self.row_counts[f"{name}_own"] = _row_count(
            self.data if self.is_bound else None, f"{name}_own", len(own), self.add_rows
        )
        for index in range(count):
            row = own[index] if index < len(own) else {"name_ar": "", "name_en": ""}
            for language, words in (
                ("ar", _("%(list)s, your own row %(n)s: Arabic name")),
                ("en", _("%(list)s, your own row %(n)s: English name")),
            ):
                label = words % {"list": LABELS[name], "n": index + 1}
                self.fields[f"{name}_own_{language}_{index}"] = forms.CharField(
                    label=label,
                    required=False,
                    max_length=200,
                    initial=row[f"name_{language}"],
                    widget=forms.TextInput(
                        attrs={"dir": "rtl" if language == "ar" else "ltr", "aria-label": label}
                    ),
                )
            self.fields[f"{name}_own_remove_{index}"] = forms.BooleanField(
                label=_("Remove"), required=False
            )

    def _holiday_fields(self) -> None:
        """The holidays, a row each: its day, its name, a box to remove it."""
        days = list(holidays())
        count = self.row_counts["holidays"] = _row_count(
            self.data if self.is_bound else None, "holidays", len(days), self.add_rows
        )
        for index in range(count):
            day = days[index] if index < len(days) else None
            label = _("Holiday %(n)s: date") % {"n": index + 1}
            self.fields[f"holiday_day_{index}"] = LatinDigitsDateField(
                label=label,
                required=False,
                initial=day.day if day else None,
                widget=forms.DateInput(
                    attrs={"type": "date", "aria-label": label}, format="%Y-%m-%d"
                ),
                error_messages={"invalid": _("This date does not exist: choose it again.")},
            )
            label = _("Holiday %(n)s: name") % {"n": index + 1}
            self.fields[f"holiday_name_{index}"] = forms.CharField(
                label=label,
                required=False,
                max_length=200,
                initial=day.name if day else "",
                widget=forms.TextInput(attrs={"aria-label": label}),
            )
            self.fields[f"holiday_remove_{index}"] = forms.BooleanField(
                label=_("Remove"), required=False
            )

    def _rows(self, prefix: str, parts: tuple[str, ...], count: int) -> list[dict]:
        return [
            {part: self[f"{prefix}_{part}_{index}"] for part in (*parts, "remove")}
            for index in range(count)
        ]

    def holiday_rows(self) -> list[dict]:
        return self._rows("holiday", ("day", "name"), self.row_counts["holidays"])

    def item_tables(self) -> list[dict]:
        """The three lists as the editor shows them: a row per item, in order, with its box
        (catalogue items), its position and its names."""
        tables = []
        for name in KINDS:
            boxes = {box.data["value"]: box for box in self[name]}
            rows = []
            for item in self.item_rows[name]:
                code = item["code"]
                names = [f"{name}_name_{language}_{code}" for language in ("ar", "en")]
                rows.append(
                    {
                        "name": item["name_ar"],
                        "box": boxes.get(code),
                        "position": self[f"{name}_position_{code}"],
                        "names": [self[field] for field in names if field in self.fields],
                    }
                )
            tables.append(
                {
                    "name": name,
                    "field": self[name],
                    "rows": rows,
                    "own": self._rows(f"{name}_own", ("ar", "en"), self.row_counts[f"{name}_own"]),
                    "own_count": self.row_counts[f"{name}_own"],
                }
            )
        return tables

    def _ordered_items(self, name: str) -> list[dict]:
        """The ticked catalogue items under the names typed, then the own ones, placed by the
        positions typed: an item without one keeps its place, and one moved to a number another
        holds goes before it (as "put it second" means)."""
        data = self.cleaned_data
        order = [item["code"] for item in self.item_rows[name]]
        items = [
            {
                "code": code,
                "name_ar": data.get(f"{name}_name_ar_{code}") or "",
                "name_en": data.get(f"{name}_name_en_{code}") or "",
            }
            for code in data[name]
        ] + data[f"{name}_items"]

        def place(item: dict) -> tuple[int, bool, int]:
            index = order.index(item["code"]) if item["code"] in order else len(order)
            typed = data.get(f"{name}_position_{item['code']}")
            if typed is None or typed == index + 1:
                return (index + 1, True, index)
            return (typed, False, index)

        return sorted(items, key=place)

    def _own_items(self, name: str) -> list[dict]:
        """The association's own items, a row each: its Arabic and English names (the Arabic
        alone in an Arabic-only policy). An item keeps its code while either name stays; a
        half-filled row is named with what it lacks."""
        data = self.cleaned_data
        existing = {
            key: item["code"]
            for item in getattr(self.draft, name)
            for key in (item["name_en"].lower(), item["name_ar"])
            if key
        }
        languages = (data.get("languages") or "").split() or self.draft.languages
        items = []
        for index in range(self.row_counts[f"{name}_own"]):
            name_ar = (data.get(f"{name}_own_ar_{index}") or "").strip()
            name_en = (data.get(f"{name}_own_en_{index}") or "").strip()
            if data.get(f"{name}_own_remove_{index}") or not (name_ar or name_en):
                continue
            if not name_ar:
                self.add_error(f"{name}_own_ar_{index}", _("Write its Arabic name too."))
                continue
            if not name_en and languages != ["ar"]:
                self.add_error(
                    f"{name}_own_en_{index}",
                    _("Write its English name too: the policy is in Arabic and English."),
                )
                continue
            code = (
                existing.get(name_en.lower())
                or existing.get(name_ar)
                or "own_" + (slugify(name_en).replace("-", "_")[:50] or str(index + 1))
            )
            items.append({"code": code, "name_ar": name_ar, "name_en": name_en})
        return items

    def _holidays(self) -> list[tuple[datetime.date, str]]:
        """The holidays typed, a row each; a name without its date is named on its row."""
        data = self.cleaned_data
        days = []
        for index in range(self.row_counts["holidays"]):
            day = data.get(f"holiday_day_{index}")
            holiday = (data.get(f"holiday_name_{index}") or "").strip()
            if data.get(f"holiday_remove_{index}") or f"holiday_day_{index}" in self.errors:
                continue
            if day is None:
                if holiday:
                    self.add_error(f"holiday_day_{index}", _("Choose this holiday's date."))
                continue
            days.append((day, holiday))
        return days

    def clean(self):
        data = super().clean()
        if data.get("deadline_kind") in (
            DeadlineKind.WORKING,
            DeadlineKind.CALENDAR,
        ) and not data.get("deadline_days"):
            self.add_error(
                "deadline_days", _("Give the number of days, or choose “as soon as possible”.")
            )
        for name in KINDS:
            data[f"{name}_items"] = self._own_items(name)
        data["holidays"] = self._holidays()
        return data

    def clean_procedure(self) -> list[dict]:
        # The kinds and their order are the service's to check, with its messages.
        steps = []
        for line in self.cleaned_data["procedure"].splitlines():
            if line.strip():
                kind, text_ar, text_en = [*(p.strip() for p in line.split("|", 2)), "", ""][:3]
                steps.append({"step": kind.lower(), "text_ar": text_ar, "text_en": text_en})
        return steps

    def to_data(self) -> dict:
        data = self.cleaned_data
        return {
            **({"languages": data["languages"].split()} if data["languages"] else {}),
            **{name: self._ordered_items(name) for name in KINDS},
            "procedure": data["procedure"],
            "decision_body": {
                "name_ar": data["decision_body_ar"],
                "name_en": data["decision_body_en"],
            },
            "committee_deadline": {
                "kind": data["deadline_kind"],
                "days": None
                if data["deadline_kind"] == DeadlineKind.ASAP
                else data["deadline_days"],
                "wording_ar": data["deadline_wording_ar"],
                "wording_en": data["deadline_wording_en"],
            },
            "sections": self.sections_data(),
        }


class ApprovalForm(forms.Form):
    """The board's approval as its minutes write it; the service checks the values."""

    revision = forms.IntegerField(widget=forms.HiddenInput)
    meeting_number = forms.CharField(
        label=_("Board meeting number"),
        required=False,
        help_text=_(
            "As the minutes write it, e.g. 25/02. May be left empty if the session is given."
        ),
    )
    session = forms.CharField(
        label=_("Session"), required=False, help_text=_("As the board writes it, e.g. الرابعة.")
    )
    term = forms.CharField(
        label=_("Term"), required=False, help_text=_("As the board writes it, e.g. الأولى.")
    )
    approved_on_hijri = forms.CharField(
        label=_("Meeting date (Hijri, Umm al-Qura)"),
        required=False,
        widget=HijriDateWidget(),
        help_text=_("The day, the month and the year as the minutes date it."),
    )
    # Clients that have the Gregorian day post it here (the service takes either date).
    approved_on = forms.DateField(required=False, widget=forms.HiddenInput)
    chair_name = forms.CharField(label=_("Chair of the board"), required=False)
    statement_ar = forms.CharField(
        label=_("Wording of the approval (Arabic)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "dir": "rtl"}),
        help_text=_(
            "Empty: the template's wording. Your own may use {meeting_number}, {session}, "
            "{term}, {date}, {hijri} and {gregorian}."
        ),
    )
    statement_en = forms.CharField(
        label=_("Wording of the approval (English)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "dir": "ltr"}),
    )
    effect_ar = forms.CharField(
        label=_("Effect clause (Arabic)"),
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "وتعتبر نافذة من تاريخ اعتمادها"}),
    )
    effect_en = forms.CharField(
        label=_("Effect clause (English)"),
        required=False,
        widget=forms.TextInput(
            attrs={"dir": "ltr", "placeholder": "It takes effect from the date of its approval."}
        ),
    )
    position = forms.ChoiceField(
        label=_("Where the approval stands"),
        choices=ApprovalPosition.choices,
        widget=forms.RadioSelect,
        required=False,
    )

    def __init__(self, *args, draft: PolicyDraft, **kwargs):
        initial = {
            "revision": draft.revision,
            "statement_ar": draft.approval_statement_ar,
            "statement_en": draft.approval_statement_en,
            "effect_ar": draft.approval_effect_ar,
            "effect_en": draft.approval_effect_en,
            "position": draft.approval_position,
        }
        super().__init__(*args, initial=initial, **kwargs)

    def clean_approved_on_hijri(self) -> str:
        value = self.cleaned_data["approved_on_hijri"]
        if value and "" in value.split("-"):
            raise ValidationError(_("Choose the day, the month and the year of the meeting."))
        return value

    def gregorian_day(self) -> datetime.date | None:
        """The Gregorian day of the Hijri date typed, shown beside it; None until it is one."""
        value = self["approved_on_hijri"].value()
        try:
            return hijri_date_parse(value) if value else None
        except ValidationError:
            return None

    def to_data(self) -> dict:
        return {**self.cleaned_data, "position": self.cleaned_data["position"] or "end"}


class BoardMeetingForm(ApprovalForm):
    """One board meeting approving several policies: the ready drafts ticked, then the meeting
    as the minutes write it (the same facts as one policy's approval)."""

    revision = None  # each draft is approved as it stands when the meeting is recorded
    kinds = forms.MultipleChoiceField(
        label=_("Policies the meeting approved"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(self, *args, kinds: list[tuple[str, str]], **kwargs):
        forms.Form.__init__(self, *args, **kwargs)
        self.fields["kinds"].choices = kinds
        self.order_fields(["kinds"])
