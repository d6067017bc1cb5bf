"""The procedure an association publishes («التعامل مع المستفيد»): its ordered steps, who decides,
how its deadline is worded. The one module that checks them and that reads them from a version.

A step is {step, text_ar, text_en}: `step` is a kind of the template's step catalogue (what the
workflow does there), the texts replace the template's wording (empty: the template's). A draft
keeps what the association typed; a published version keeps the wording it printed.
"""

from __future__ import annotations

import html
import json
from functools import cache
from pathlib import Path

import nh3
from django.utils.translation import gettext as _

STEP_KINDS = (
    "receive",
    "verify",
    "refer",
    "answer",
    "declare",
    "decide",
    "register",
    "deliver",
    "text",
)
# What every policy printed before the procedure was configurable.
DEFAULT_STEPS = ("receive", "verify", "refer", "declare", "decide", "register", "deliver")
DEFAULT_DECISION_BODY = {"name_ar": "لجنة البحث", "name_en": "the research committee"}
MAX_STEPS = 30
MAX_STEP_LENGTH = 1000
MAX_NAME_LENGTH = 200
TEMPLATE_V1 = Path(__file__).resolve().parent.parent / "catalog" / "data" / "template_v1.json"


def procedure_default() -> list[dict]:
    """The seven steps in the template's wording: a new draft's procedure."""
    return [{"step": kind, "text_ar": "", "text_en": ""} for kind in DEFAULT_STEPS]


def plain_text(value: str) -> str:
    """Wording typed by an association, as plain text: markup and scripts removed, sanitised
    as extra text is (publishing.rendering escapes it when it is shown)."""
    return html.unescape(nh3.clean(value or "", tags=set())).strip()


def _text(value, field: str, limit: int, problems: list[str]) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        problems.append(_("%(field)s must be text.") % {"field": field})
        return ""
    text = plain_text(value.replace("\x00", ""))
    if len(text) > limit:
        problems.append(_("%(field)s is at most %(n)s characters.") % {"field": field, "n": limit})
        return ""
    return text


def procedure_clean(value, errors: dict) -> list[dict]:
    """The steps as given, each checked on its own: known kind, wording within its length.
    How they fit together is `procedure_problems`'s."""
    if not isinstance(value, list) or not value:
        errors["procedure"] = [_("Give the steps as a list of {step, text_ar, text_en}.")]
        return []
    problems: list[str] = []
    if len(value) > MAX_STEPS:
        problems.append(_("At most %(n)s steps.") % {"n": MAX_STEPS})
    steps = []
    for number, entry in enumerate(value[:MAX_STEPS], start=1):
        item = {"step": entry} if isinstance(entry, str) else entry
        if not isinstance(item, dict) or item.get("step") not in STEP_KINDS:
            kind = item.get("step") if isinstance(item, dict) else item
            problems.append(
                _("Step %(n)s: “%(kind)s” is not a step kind (%(kinds)s).")
                % {"n": number, "kind": str(kind)[:40], "kinds": ", ".join(STEP_KINDS)}
            )
            continue
        label = _("Step %(n)s's wording") % {"n": number}
        steps.append(
            {
                "step": item["step"],
                "text_ar": _text(item.get("text_ar"), label, MAX_STEP_LENGTH, problems),
                "text_en": _text(item.get("text_en"), label, MAX_STEP_LENGTH, problems),
            }
        )
    if problems:
        errors["procedure"] = problems
    return steps


def names_clean(value, field: str, errors: dict, *, keys: tuple[str, str]) -> dict[str, str]:
    """An object of two short texts (a name or a wording in Arabic and English)."""
    if not isinstance(value, dict):
        errors[field] = [_("Give {%(keys)s}.") % {"keys": ", ".join(keys)}]
        return {}
    problems: list[str] = []
    clean = {key: _text(value[key], key, MAX_NAME_LENGTH, problems) for key in keys if key in value}
    if problems:
        errors[field] = problems
    return clean


def procedure_problems(
    steps: list[dict], *, referral_roles: list, decision_body: dict
) -> dict[str, list[str]]:
    """What keeps these steps from running as a case's procedure, one message per problem."""
    problems: list[str] = []
    kinds = [step["step"] for step in steps]
    if not kinds or kinds[0] != "receive":
        problems.append(_("The procedure starts with receiving the beneficiary (receive)."))
    if kinds.count("receive") > 1:
        problems.append(_("The beneficiary is received once: only one receive step."))
    for kind in STEP_KINDS:
        if kind not in ("receive", "text") and kinds.count(kind) > 1:
            problems.append(_("The step “%(kind)s” appears twice.") % {"kind": kind})
    if "register" in kinds:
        if "decide" not in kinds:
            problems.append(_("Registration (register) needs a decision (decide) before it."))
        elif kinds.index("register") < kinds.index("decide"):
            problems.append(_("Registration (register) comes after the decision (decide)."))
    errors = {"procedure": problems} if problems else {}
    if "refer" in kinds and not referral_roles:
        errors["referral_roles"] = [_("A refer step needs at least one role to refer to.")]
    if "decide" in kinds and not decision_body.get("name_ar"):
        errors["decision_body"] = [_("A decide step needs the name of who decides.")]
    return errors


@cache
def _template_v1_wording() -> dict[str, dict[str, str]]:
    """Template version 1's step catalogue, read from the file it was released from."""
    template = json.loads(TEMPLATE_V1.read_text(encoding="utf-8"))
    return {step["kind"]: step["text"] for step in template["steps"]}


def procedure_resolved(steps: list[dict], wording: dict[str, dict[str, str]]) -> list[dict]:
    """The steps with the template's `wording` where the association gave none: what a
    published version keeps, so that a later template never changes its page."""
    return [
        {
            "step": step["step"],
            **{
                f"text_{language}": step.get(f"text_{language}")
                or wording.get(step["step"], {}).get(language, "")
                for language in ("ar", "en")
            },
        }
        for step in steps
    ]


def version_procedure(content: dict) -> list[dict]:
    """A published version's steps. Versions published before the procedure was configurable
    have none recorded: they printed the template's seven steps, and run by them."""
    if "procedure" in content:
        return content["procedure"]
    return procedure_resolved(procedure_default(), _template_v1_wording())


def version_decision_body(content: dict) -> dict[str, str]:
    """Who decides in a published version (the research committee before it was configurable)."""
    return content.get("decision_body") or DEFAULT_DECISION_BODY


def version_step_kinds(content: dict) -> frozenset[str]:
    return frozenset(step["step"] for step in version_procedure(content))
