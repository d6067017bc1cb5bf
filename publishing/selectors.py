"""Reads of the policy. `policy_published` is the one door through which case work sees it."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.cache import cache

from catalog.models import PolicyKind
from catalog.selectors import template_current
from publishing.models import Holiday, PolicyDraft, PolicyVersion
from publishing.procedure import version_decision_body, version_step_kinds

# The catalogue's code of the channel through which beneficiaries apply on the association's site.
WEBSITE_CHANNEL = "website"


@dataclass(frozen=True)
class PublishedPolicy:
    """The policy in force: what staff work by. Built from an immutable version."""

    version: int
    content: dict

    @property
    def channel_codes(self) -> list[str]:
        return [item["code"] for item in self.content["channels"]]

    @property
    def takes_online_requests(self) -> bool:
        """Whether beneficiaries may apply at /request/: the policy publishes the website."""
        return WEBSITE_CHANNEL in self.channel_codes

    def channel_names(self, language: str) -> list[str]:
        return [
            item.get(f"name_{language}") or item["name_ar"] for item in self.content["channels"]
        ]

    @property
    def referral_role_codes(self) -> list[str]:
        return [item["code"] for item in self.content["referral_roles"]]

    @property
    def deadline_kind(self) -> str:
        return self.content["committee_deadline"]["kind"]

    @property
    def deadline_days(self) -> int | None:
        return self.content["committee_deadline"]["days"]

    @property
    def steps(self) -> frozenset[str]:
        """The kinds of step this version publishes: the actions its cases offer."""
        return version_step_kinds(self.content)

    def decision_body_name(self, language: str) -> str:
        body = version_decision_body(self.content)
        return body.get(f"name_{language}") or body["name_ar"]


# A version never changes (a trigger refuses it), so its content is kept by number, per
# association (the cache's keys carry the schema); a day bounds what a deleted one leaves.
VERSION_KEY = "policy-version:{number}"
VERSION_SECONDS = 24 * 3600


def _remembered(version: PolicyVersion) -> PublishedPolicy:
    cache.set(VERSION_KEY.format(number=version.number), version.content, VERSION_SECONDS)
    return PublishedPolicy(version=version.number, content=version.content)


def policy_published() -> PublishedPolicy | None:
    """The currently published policy of the association in the current schema, or None."""
    version = PolicyVersion.objects.order_by("-number").first()
    return _remembered(version) if version else None


def policy_version_published(*, number: int) -> PublishedPolicy | None:
    """Version `number`, the one a case runs by: from the cache once it was read or published
    (no query on a case's page or transition), else from the database."""
    content = cache.get(VERSION_KEY.format(number=number))
    if content is not None:
        return PublishedPolicy(version=number, content=content)
    version = PolicyVersion.objects.filter(number=number).first()
    return _remembered(version) if version else None


def referral_roles_known() -> list[dict]:
    """Every referral role the draft or a published version names, {code, name_ar, name_en,
    offered}: the draft's first (in its order and words), then the version in force's, then
    older versions'. `offered`: in the draft or the version in force, so an admin may give it
    to members; the others were dropped by a newer version and stay only with the members who
    hold them, whose cases referred to them remain theirs to answer."""
    draft = PolicyDraft.objects.first()
    versions = PolicyVersion.objects.order_by("-number").values_list(
        "content__referral_roles", flat=True
    )
    known: dict[str, dict] = {}
    for index, roles in enumerate([draft.referral_roles if draft else [], *versions]):
        for item in roles or []:
            known.setdefault(item["code"], {**item, "offered": index <= 1})
    return list(known.values())


def referral_role_codes_offered() -> set[str]:
    """The codes of the draft's and the published policy's referral roles: those an admin may
    give members."""
    return {item["code"] for item in referral_roles_known() if item["offered"]}


LATEST_KEY = "policy-latest-number"
# A process may show the previous version this long after a publication elsewhere; the process
# that publishes forgets at once (publishing.services.policy_publish).
LATEST_SECONDS = 10


def policy_latest_number() -> int | None:
    """The number of the version in force, remembered for a few seconds (the public page's key)."""
    number = cache.get(LATEST_KEY)
    if number is None:
        number = PolicyVersion.objects.order_by("-number").values_list("number", flat=True).first()
        if number is not None:
            cache.set(LATEST_KEY, number, LATEST_SECONDS)
    return number


def policy_version_get(*, number: int, kind: str = PolicyKind.BENEFICIARY) -> PolicyVersion | None:
    return PolicyVersion.of_every_kind.filter(kind=kind, number=number).first()


def policy_versions() -> list[PolicyVersion]:
    return list(PolicyVersion.objects.only("number", "published_at").order_by("-number"))


def policy_draft_get() -> PolicyDraft:
    return PolicyDraft.objects.get()


def holidays() -> list[Holiday]:
    return list(Holiday.objects.all())


def policy_template_updates(draft: PolicyDraft) -> list[dict]:
    """Sections whose text differs from the current template's: new, changed or removed."""
    template = template_current(draft.kind)
    if draft.template_version == template.number and all(
        s.get("template_version") == template.number for s in draft.sections
    ):
        return []
    mine = {section["key"]: section for section in draft.sections}
    theirs = {section.key: section for section in template.sections.all()}
    updates = []
    for key in dict.fromkeys([*theirs, *mine]):
        old, new = mine.get(key), theirs.get(key)
        texts = {
            f"{side}_{lang}": (
                f"{item['title_' + lang]}\n{item['body_' + lang]}"
                if isinstance(item, dict)
                else f"{getattr(item, 'title_' + lang)}\n{getattr(item, 'body_' + lang)}"
            )
            if item is not None
            else ""
            for side, item in (("old", old), ("new", new))
            for lang in ("ar", "en")
        }
        if texts["old_ar"] == texts["new_ar"] and texts["old_en"] == texts["new_en"]:
            continue
        status = "new" if old is None else "removed" if new is None else "changed"
        title = new.title_en if new is not None else old["title_en"] if old else ""
        # The association's own title and body beside the template's old and new text.
        own = {
            field: (old or {}).get(f"own_{field}", "")
            for field in ("title_ar", "title_en", "body_ar", "body_en")
        }
        fresh = {
            field: getattr(new, field) if new is not None else ""
            for field in ("title_ar", "title_en", "body_ar", "body_en")
        }
        updates.append(
            {"key": key, "status": status, "title": title, **texts, "own": own, "fresh": fresh}
        )
    return updates


def kind_versions(kind: str) -> list[PolicyVersion]:
    """A kind's published versions, newest first (its history)."""
    return list(
        PolicyVersion.of_every_kind.filter(kind=kind)
        .only("kind", "number", "published_at", "content")
        .order_by("-number")
    )


def kind_version_latest(kind: str) -> PolicyVersion | None:
    return PolicyVersion.of_every_kind.filter(kind=kind).order_by("-number").first()


def kind_draft_get(kind: str) -> PolicyDraft | None:
    return PolicyDraft.of_every_kind.filter(kind=kind).first()


@dataclass(frozen=True)
class PolicyStanding:
    """Where one kind of policy stands: its draft, whether the board approved the draft as it
    is, and its published versions (newest first)."""

    kind: str
    title: str
    draft: PolicyDraft | None
    versions: list[PolicyVersion]

    @property
    def latest(self) -> PolicyVersion | None:
        return self.versions[0] if self.versions else None

    @property
    def approved_unpublished(self) -> bool:
        return self.draft is not None and self.draft.is_approved


def policies_standing() -> list[PolicyStanding]:
    """Every kind of policy, in the standard's order, with its draft and versions (two queries)."""
    drafts = {draft.kind: draft for draft in PolicyDraft.of_every_kind.all()}
    versions: dict[str, list[PolicyVersion]] = {}
    for version in PolicyVersion.of_every_kind.order_by("kind", "-number"):
        versions.setdefault(version.kind, []).append(version)
    return [
        PolicyStanding(
            kind=kind,
            title=str(label),
            draft=drafts.get(kind),
            versions=versions.get(kind, []),
        )
        for kind, label in PolicyKind.choices
    ]


@dataclass(frozen=True)
class RetentionPublished:
    """The periods of the retention policy in force, as its version `number` published them."""

    number: int
    periods: dict[str, int]


def retention_published() -> RetentionPublished | None:
    """The published document retention policy's periods (None: none is published, or only a
    version from before it had periods), which the daily retention job applies."""
    version = kind_version_latest(PolicyKind.DOCUMENT_RETENTION)
    if version is None or "retention" not in version.content:
        return None
    return RetentionPublished(number=version.number, periods=version.content["retention"])
