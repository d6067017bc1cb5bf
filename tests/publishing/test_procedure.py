"""The procedure as configuration: its steps, who decides and the deadline's wording, checked
field by field, published in the association's order, and old versions reading as they did."""

import json
from pathlib import Path

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from publishing.models import PolicyVersion
from publishing.rendering import policy_sections
from tests.conftest import client_for
from tests.publishing.conftest import publish

DRAFT = "/api/v1/policy/draft/"
# A version as published before the procedure was configurable, and its sections as the code
# of that time rendered them (captured on that code: tests/publishing/fixtures/).
LEGACY = json.loads(
    (Path(__file__).parent / "fixtures" / "legacy_version.json").read_text(encoding="utf-8")
)
SEVEN = ["receive", "verify", "refer", "declare", "decide", "register", "deliver"]


def _legacy_version(tenant) -> None:
    with schema_context(tenant.association.schema_name):
        PolicyVersion.objects.create(
            number=1,
            published_at=timezone.now(),
            published_by="admin@alpha.example",
            template_version=1,
            content=LEGACY["content"],
        )


def test_a_version_published_before_the_procedure_reads_word_for_word_as_it_did(alpha):
    assert "procedure" not in LEGACY["content"] and "decision_body" not in LEGACY["content"]
    _legacy_version(alpha)
    for language in ("ar", "en"):
        now = [
            {"key": r.key, "title": r.title, "html": str(r.html), "text": r.text}
            for r in policy_sections(LEGACY["content"], language)
        ]
        assert now == LEGACY["rendered"][language]
        page = client_for(alpha).get(f"/policy/?lang={language}").content.decode()
        for section in LEGACY["rendered"][language]:
            assert section["html"] in page
    api = client_for(alpha).get("/api/v1/policy/?lang=ar").json()
    assert [step["step"] for step in api["procedure"]] == SEVEN
    assert api["decision_body"] == {"name_ar": "لجنة البحث", "name_en": "the research committee"}
    printed = next(s for s in LEGACY["rendered"]["ar"] if s["key"] == "procedure")["text"]
    # The API's steps are the page's numbered lines.
    assert [f"{n}. {step['text']}" for n, step in enumerate(api["procedure"], 1)] == (
        printed.splitlines()[1:]
    )


def test_a_new_draft_publishes_the_seven_steps_as_the_template_printed_them(alpha):
    published = publish(alpha, data={"referral_roles": ["social_researcher", "competent_officer"]})
    body = next(s for s in published["sections"] if s["key"] == "procedure")["body"]
    legacy = next(s for s in LEGACY["rendered"]["ar"] if s["key"] == "procedure")["text"]
    # Same association wording aside (the fixture's roles are named by the fixture), same text.
    assert body.replace("مسؤول البحث الاجتماعي أو المسؤول المختص", "X") == legacy.replace(
        "مسؤول البحث الاجتماعي أو المسؤول المختص", "X"
    )
    assert [step["step"] for step in published["procedure"]] == SEVEN


ENQUIRY = [
    {"step": "receive"},
    {"step": "text", "text_ar": "الاستماع إلى السائل حتى يفرغ من سؤاله.", "text_en": "Listen."},
    {"step": "answer"},
    {"step": "refer", "text_ar": "إحالة ما لم يتضح إلى {referral_roles}.", "text_en": ""},
]


def test_published_page_lists_the_association_steps_in_its_order(alpha, beta):
    published = publish(
        alpha,
        data={
            "referral_roles": ["public_relations_officer"],
            "procedure": ENQUIRY,
            "decision_body": {"name_ar": "", "name_en": ""},
        },
    )
    page = client_for(alpha).get("/policy/").content.decode()
    section = page[page.index('id="procedure"') :]
    section = section[: section.index("</section>")]
    items = section[section.index("<ol>") : section.index("</ol>")].split("<li>")[1:]
    assert [item.removesuffix("</li>") for item in items] == [
        "استقبال المستفيد بلباقة واحترام، والإجابة عن جميع الاستفسارات، وإعطاء المراجع الوقت الكافي.",
        "الاستماع إلى السائل حتى يفرغ من سؤاله.",
        "الإجابة عن استفسار المستفيد وفق التعليمات والأنظمة المعمول بها في الجمعية.",
        "إحالة ما لم يتضح إلى مسؤول العلاقات العامة.",
    ]
    assert "لجنة البحث" not in section and "توقيعه" not in section
    english = client_for(alpha).get("/api/v1/policy/?lang=en").json()
    assert english["procedure"] == [
        {
            "step": "receive",
            "text": "Receive the beneficiary courteously and respectfully, answer all their "
            "questions and give them enough time.",
        },
        {"step": "text", "text": "Listen."},
        {
            "step": "answer",
            "text": "Answer the beneficiary's enquiry according to the association's rules and "
            "instructions in force.",
        },
        # No English wording given: the template's.
        {
            "step": "refer",
            "text": "If the procedures are unclear to the beneficiary, the employee refers them "
            "to the Public Relations Officer to answer their questions and explain the "
            "procedures that apply.",
        },
    ]
    assert [s["step"] for s in published["procedure"]] == ["receive", "text", "answer", "refer"]
    # Beta publishes nothing of alpha's.
    assert client_for(beta).get("/api/v1/policy/").status_code == 404
    assert "الاستماع إلى السائل" not in client_for(beta).get("/policy/").content.decode()


def test_deciding_body_and_the_boards_wording_of_the_deadline_are_printed(alpha):
    publish(
        alpha,
        data={
            "procedure": [{"step": s} for s in ("receive", "verify", "decide", "deliver")],
            "decision_body": {"name_ar": "الإدارة المختصة", "name_en": "the competent department"},
            "committee_deadline": {
                "kind": "working",
                "days": 10,
                "wording_ar": "خلال مدة لا تقل عن أسبوعين",
                "wording_en": "within no less than two weeks",
            },
        },
    )
    page = client_for(alpha).get("/policy/").content.decode()
    assert (
        "سيُرفع إلى الإدارة المختصة لدراسته والرد عليه بشأن قبوله أو رفضه "
        "خلال مدة لا تقل عن أسبوعين." in page
    )
    assert "10 أيام عمل" not in page and "لجنة البحث" not in page
    english = client_for(alpha).get("/api/v1/policy/?lang=en").json()
    assert english["decision_body"]["name_en"] == "the competent department"
    assert english["committee_deadline"]["wording_en"] == "within no less than two weeks"
    assert english["committee_deadline"]["days"] == 10
    decide = next(step for step in english["procedure"] if step["step"] == "decide")
    assert "referred to the competent department" in decide["text"]
    assert decide["text"].endswith("within no less than two weeks.")


LONG = "ن" * 1001
BAD = [
    ({"procedure": [{"step": "receive"}, {"step": "fly"}]}, "procedure", ["“fly” is not a step"]),
    ({"procedure": [{"step": "verify"}, {"step": "receive"}]}, "procedure", ["starts with"]),
    ({"procedure": [{"step": "receive"}, {"step": "receive"}]}, "procedure", ["only one receive"]),
    (
        {"referral_roles": [], "procedure": [{"step": "receive"}, {"step": "refer"}]},
        "referral_roles",
        ["refer step needs"],
    ),
    (
        {"procedure": [{"step": "receive"}, {"step": "register"}, {"step": "decide"}]},
        "procedure",
        ["comes after the decision"],
    ),
    ({"procedure": [{"step": "receive"}, {"step": "register"}]}, "procedure", ["needs a decision"]),
    ({"decision_body": {"name_ar": "", "name_en": ""}}, "decision_body", ["who decides"]),
    ({"decision_body": "لجنة"}, "decision_body", ["Give {name_ar, name_en}"]),
    ({"procedure": [{"step": "receive", "text_ar": LONG}]}, "procedure", ["at most 1000"]),
    ({"procedure": []}, "procedure", ["Give the steps"]),
    (
        {"committee_deadline": {"kind": "working", "days": 10, "wording_ar": "ن" * 201}},
        "committee_deadline",
        ["at most 200"],
    ),
    (
        {"procedure": [{"step": "verify"}, {"step": "register"}, {"step": "receive"}]},
        "procedure",
        ["starts with", "needs a decision"],
    ),
]


@pytest.mark.parametrize(("change", "field", "messages"), BAD)
def test_a_procedure_that_cannot_run_is_refused_field_by_field(
    alpha, alpha_admin_api, change, field, messages
):
    client, auth = alpha_admin_api
    before = client.get(DRAFT + "?lang=en", **auth).json()
    response = client.patch(DRAFT + "?lang=en", change, content_type="application/json", **auth)
    assert response.status_code == 400
    problems = response.json()[field]
    # One message per problem, each saying which.
    assert len(problems) == len(messages)
    for problem, message in zip(problems, messages, strict=True):
        assert message in problem
    assert client.get(DRAFT + "?lang=en", **auth).json() == before


def test_the_refusal_is_in_arabic_too(alpha, alpha_admin_api):
    client, auth = alpha_admin_api
    change = {"procedure": [{"step": "verify"}]}
    response = client.patch(DRAFT, change, content_type="application/json", **auth)
    assert response.status_code == 400
    assert "تبدأ الإجراءات باستقبال المستفيد" in response.json()["procedure"][0]


def test_markup_and_script_in_wording_are_kept_out(alpha, alpha_admin_api):
    client, auth = alpha_admin_api
    script = '<script>alert("x")</script><b onclick="x()">استقبال</b> المستفيد'
    change = {
        "procedure": [{"step": "receive", "text_ar": script, "text_en": "<i>Receive</i>"}],
        "decision_body": {"name_ar": "<img src=x onerror=alert(1)>اللجنة", "name_en": "board"},
        "committee_deadline": {"kind": "asap", "days": None, "wording_ar": "<u>فورًا</u>"},
    }
    response = client.patch(DRAFT, change, content_type="application/json", **auth)
    assert response.status_code == 200, response.json()
    draft = response.json()
    assert draft["procedure"] == [
        {"step": "receive", "text_ar": "استقبال المستفيد", "text_en": "Receive"}
    ]
    assert draft["decision_body"] == {"name_ar": "اللجنة", "name_en": "board"}
    assert draft["committee_deadline"]["wording_ar"] == "فورًا"


def test_beta_cannot_change_alphas_procedure(alpha, beta, alpha_admin_api):
    client, auth = alpha_admin_api
    # Alpha's admin token on beta's host is no one there.
    beta_client = client_for(beta)
    response = beta_client.patch(
        DRAFT, {"procedure": ENQUIRY}, content_type="application/json", **auth
    )
    assert response.status_code in (401, 403)
    with schema_context(beta.association.schema_name):
        from publishing.models import PolicyDraft

        assert [s["step"] for s in PolicyDraft.objects.get().procedure] == SEVEN


def test_the_migration_gives_existing_drafts_the_procedure_they_print(alpha):
    from importlib import import_module

    from django.apps import apps

    from publishing.models import PolicyDraft

    migration = import_module("publishing.migrations.0003_draft_procedure")
    with schema_context(alpha.association.schema_name):
        draft = PolicyDraft.objects.get()
        for section in draft.sections:
            if section["key"] == "procedure":
                section.update(body_ar=migration.OLD_BODY["ar"], body_en=migration.OLD_BODY["en"])
        draft.procedure, draft.decision_body_ar = [], ""
        draft.save()
        migration.forward(apps, None)
        draft.refresh_from_db()
        assert [step["step"] for step in draft.procedure] == SEVEN
        assert draft.decision_body_ar == "لجنة البحث"
        procedure = next(s for s in draft.sections if s["key"] == "procedure")
        assert procedure["body_ar"].endswith("\n\n{procedure}")
    # Its page reads as the old one did.
    published = publish(alpha, data={"referral_roles": ["social_researcher"]})
    body = next(s for s in published["sections"] if s["key"] == "procedure")["body"]
    assert body.count("\n") == 7 and "سيُرفع إلى لجنة البحث لدراسته" in body
