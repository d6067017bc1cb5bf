"""The five seed policies, each configured through the API as its association would, with its
letterhead, its own section texts, step sentences and approval wording (read from
../shared/seeds/ now; the product holds only their facts, demo/seeds/NNN.json), published, and
run to the end.

The published Arabic page reads as the seed: its text is compared with the seed's (diacritics,
digits, punctuation and spacing set aside), the similarity printed and held at 0.9 or more; each
letterhead element is on the page and in the PDF; the page is drawn by Chromium at a phone's and
a desktop's width, kept under test-output/seeds/.

What is checked is what a user sees: the public page lists the seed's steps in the seed's
order with its deciding body and deadline; a case takes exactly the steps the seed publishes
(a referral answered by a member given the referral role through /api/v1/members/), and any
other step is refused, saying so, with nothing changed; another association sees none of it.
"""

from __future__ import annotations

import datetime
import html
import re

import pytest
from django.core import mail
from django.utils import timezone
from django_tenants.utils import schema_context

from accounts.models import User
from common import clock as platform_clock
from demo.seed_facts import SEED_NUMBERS, seed_facts, seed_policy_data, seed_steps
from tests.e2e.chromium import page_screenshot
from tests.helpers import PASSWORD, Tenant, api_client, client_for, pdf_text
from tests.live import ROOT
from tests.seeds.conftest import seed_body, seed_sentence, seed_text, seed_title, similarity
from workspace.provisioning import association_provision

CASES = "/api/v1/cases/"
MEMBERS = "/api/v1/members/"
BENEFICIARY = {
    "national_id": "1000000008",
    "full_name": "سلمى عبدالرحمن الحربي",
    "phone": "0512345678",
    "email": "salma@beneficiary.example",
    "city": "الرياض",
}
JOIN_LINK = re.compile(r"https?://\S+(/app/join/[^/\s]+/[^/\s]+/)")
# A seed that gives no approval is approved at some meeting all the same (no chair printed).
APPROVAL = {"meeting_number": "1", "approved_on": "2025-01-15"}
LETTERHEAD = (
    "name_ar", "name_en", "license_label_ar", "license_label_en", "license_number",
    "supervising_authority", "address", "postal_code", "phones", "emails", "website",
    "social_handles", "bank_accounts", "basmala",
)  # fmt: skip
# How close each seed's published Arabic must read to the seed's own text.
SIMILARITY = 0.9
ARTEFACTS = ROOT / "test-output" / "seeds"
# The actions a published step kind brings (CONTRACT.md, "Cases"), and the ones every
# procedure has.
STEP_ACTIONS = {
    "verify": {"verify"},
    "refer": {"refer", "answer_referral"},
    "answer": {"answer"},
    "declare": {"declare"},
    "decide": {"submit_to_committee", "decide"},
    "register": {"register"},
    "deliver": {"deliver"},
}
ALWAYS = {"close", "withdraw"}
# An action each seed does not publish, tried at the state where it would otherwise make sense.
NOT_PUBLISHED = {
    "000": ("received", "verify", {}),
    "001": ("received", "answer", {"note": "أُجيب المستفيد."}),
    "002": ("received", "answer", {"note": "أُجيب المستفيد."}),
    "003": ("accepted", "register", {}),
    "004": ("received", "answer", {"note": "أُجيب المستفيد."}),
}


def _post(client, auth, path, data, **extra):
    return client.post(path, data, content_type="application/json", **auth, **extra)


def _patch(client, auth, path, data):
    return client.patch(path, data, content_type="application/json", **auth)


def _codes(items: list) -> list[str]:
    return [item if isinstance(item, str) else item["code"] for item in items]


def _working_days_after(day: datetime.date, count: int) -> datetime.date:
    """`count` Sunday-to-Thursday days after `day` (the association has no holidays)."""
    while count:
        day += datetime.timedelta(days=1)
        if day.weekday() not in (4, 5):  # Friday, Saturday
            count -= 1
    return day


def _provision(number: str, facts: dict) -> Tenant:
    slug = f"seed-{number}"
    association, _admin = association_provision(
        slug=slug,
        name_ar=facts["association"]["name_ar"],
        name_en=facts["association"]["name_en"] or f"Seed {number} association",
        admin_email=f"admin@{slug}.example",
        admin_password=PASSWORD,
    )
    return Tenant(
        association=association,
        host=f"{slug}.localhost",
        admin_email=f"admin@{slug}.example",
        staff_email=f"staff@{slug}.example",
    )


def _member_joins(tenant: Tenant, admin, role: str, referral_roles: list[str]) -> str:
    """The admin invites a member through the API; the member joins by the e-mailed link."""
    email = f"{role}@{tenant.association.slug}.example"
    client, auth = admin
    invited = _post(
        client,
        auth,
        MEMBERS,
        {
            "email": email,
            "full_name": f"عضو {role}",
            "role": role,
            "referral_roles": referral_roles,
        },
    )
    assert invited.status_code == 201, invited.json()
    assert invited.json()["referral_roles"] == referral_roles
    [invitation] = [m for m in mail.outbox if email in m.to]
    link = JOIN_LINK.search(invitation.body)
    assert link, invitation.body
    joined = client_for(tenant).post(link.group(1), {"password": PASSWORD})
    assert joined.status_code == 302, joined.content.decode()[:500]
    return email


def _letterhead(number: str, facts: dict) -> dict:
    """The seed's letterhead as its admin gives it to PATCH /api/v1/association/."""
    given = {key: value for key, value in facts["association"].items() if key in LETTERHEAD}
    website = given["website"]
    # The API takes a web address with its scheme (seed 003 prints www.… without one).
    if website and "://" not in website:
        website = f"https://{website}"
    return given | {"name_en": given["name_en"] or f"Seed {number} association", "website": website}


def _section_texts(facts: dict) -> dict[str, dict[str, str]]:
    """Each section's own title and body, in the seed's words (read from the seed now)."""
    return {
        spec["key"]: {
            **({"title_ar": seed_title(facts, spec["title"])} if "title" in spec else {}),
            **({"body_ar": seed_body(facts, spec["body"])} if "body" in spec else {}),
        }
        for spec in facts["section_texts"]
    }


def _approval(facts: dict) -> dict:
    """The board's approval as the seed gives it, in its own wording and place (a seed that
    gives none is approved at some meeting all the same: publication needs it)."""
    approval = {k: v for k, v in (facts["approval"] or APPROVAL).items() if v}
    if wording := facts["approval_wording"]:
        approval["statement_ar"] = seed_sentence(facts, {"lines": wording["statement"]})
        approval["position"] = wording.get("position", "end")
    return approval


def _configure_and_publish(tenant: Tenant, number: str, facts: dict, sentences: list[str]) -> dict:
    client, auth = api_client(tenant, tenant.admin_email)
    response = _patch(client, auth, "/api/v1/association/", _letterhead(number, facts))
    assert response.status_code == 200, response.json()
    data = seed_policy_data(
        facts,
        {number: {"text_ar": text} for number, text in enumerate(sentences)},
        _section_texts(facts),
    )
    response = _patch(client, auth, "/api/v1/policy/draft/", data)
    assert response.status_code == 200, response.json()
    response = _post(client, auth, "/api/v1/policy/draft/approve/", _approval(facts))
    assert response.status_code == 200, response.json()
    response = _post(client, auth, "/api/v1/policy/draft/publish/", {})
    assert response.status_code == 201, response.json()
    return response.json()


def _policy_text(page: str) -> str:
    """The policy's own text on its page: from its title to its last section, without the
    letterhead above or the contacts below."""
    article = page[page.index('<h1 class="policy-title">') : page.index("</article>")]
    article = re.sub(r'<footer class="policy-contacts">.*?</footer>', "", article, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", "\n", article))


def _letterhead_printed(number: str, facts: dict, text: str) -> None:
    """Each element of the seed's letterhead is in `text` (spaces aside: phones are grouped
    as Saudis write them, IBANs in fours)."""
    given = _letterhead(number, facts)
    flat = "".join(text.split())
    expected = ["المملكة العربية السعودية", given["name_ar"]]
    if given["license_number"]:
        expected.append(f"{given['license_label_ar'] or 'رقم الترخيص'}{given['license_number']}")
    expected += [given[key] for key in ("supervising_authority", "address") if given[key]]
    expected += [given["postal_code"], *given["phones"], *given["emails"], given["website"]]
    expected += [handle for handle in given["social_handles"].values()]
    for account in given["bank_accounts"]:
        expected += [account["bank_name"], account["iban"]]
    if given["basmala"]:
        expected.append("بسم الله الرحمن الرحيم")
    missing = [item for item in expected if item and "".join(item.split()) not in flat]
    assert not missing, f"seed {number}: not printed: {missing}"


def _page_text(tenant: Tenant, language: str = "ar") -> str:
    response = client_for(tenant).get(f"/policy/?lang={language}")
    assert response.status_code == 200
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def _assert_in_order(text: str, sentences: list[str]) -> None:
    position = 0
    for sentence in sentences:
        found = text.find(sentence, position)
        assert found >= 0, f"not on the page after position {position}: {sentence}"
        position = found + len(sentence)


class Walk:
    """One case taken through the API by whoever's turn it is, checking at each step that the
    action is offered and that nothing the procedure does not publish ever is."""

    def __init__(self, case: dict, clients: dict, allowed: set[str]):
        self.case, self.clients, self.allowed = case, clients, allowed

    def read(self, who: str = "staff") -> dict:
        client, auth = self.clients[who]
        response = client.get(f"{CASES}{self.case['id']}/", **auth)
        assert response.status_code == 200
        return response.json()

    def act(self, who: str, action: str, data: dict | None = None, to: str | None = None) -> dict:
        before = self.read(who)
        assert set(before["actions"]) <= self.allowed, before["actions"]
        assert action in before["actions"], (action, before["status"], before["actions"])
        client, auth = self.clients[who]
        response = _post(
            client,
            auth,
            f"{CASES}{self.case['id']}/transitions/",
            {"action": action, **(data or {})},
        )
        assert response.status_code == 200, (action, response.json())
        self.case = response.json()
        if to:
            assert self.case["status"] == to, (action, self.case["status"])
        return self.case


def _refused(walk: Walk, action: str, data: dict, state: str) -> None:
    """`action` is no step of the case's procedure: a 400 that says so, in English and in
    Arabic, and the case as it was."""
    before = walk.read()
    assert before["status"] == state
    assert action not in before["actions"]
    client, auth = walk.clients["staff"]
    for language, words in (("en", "no such step"), ("ar", "خطوة كهذه")):
        refused = _post(
            client,
            auth,
            f"{CASES}{walk.case['id']}/transitions/?lang={language}",
            {"action": action, **data},
        )
        assert refused.status_code == 400
        assert words in str(refused.json()), refused.json()
    after = walk.read()
    assert (after["status"], after["version"], after["events"]) == (
        before["status"],
        before["version"],
        before["events"],
    )


def _status_page(tenant: Tenant, reference: str, token: str) -> str:
    response = client_for(tenant).get(f"/request/{reference}/?token={token}")
    assert response.status_code == 200
    return html.unescape(response.content.decode())


@pytest.mark.parametrize("number", SEED_NUMBERS)
def test_seed_policy_publishes_its_procedure_and_runs_it_to_the_end(
    number, db, beta, tasks_inline, media
):
    facts = seed_facts(number)
    steps = seed_steps(facts)
    sentences = [seed_sentence(facts, step) for step in facts["procedure"]]
    assert all(len(sentence) > 15 for sentence in sentences), sentences
    roles = _codes(facts["policy"]["referral_roles"])
    body = facts["policy"]["decision_body"]
    deadline = facts["policy"]["committee_deadline"]
    tenant = _provision(number, facts)
    admin = api_client(tenant, tenant.admin_email)

    published = _configure_and_publish(tenant, number, facts, sentences)

    # The published policy: the seed's steps, in its order, in its words.
    assert [(s["step"], s["text"]) for s in published["procedure"]] == list(
        zip(steps, sentences, strict=True)
    )
    assert [c["code"] for c in published["channels"]] == _codes(facts["policy"]["channels"])
    assert published["channels"][0]["name_ar"] == "المقابلة"  # every seed's own name
    if body:
        assert published["decision_body"]["name_ar"] == body["name_ar"]
        assert published["committee_deadline"] == {
            "days": deadline["days"],
            "kind": deadline["kind"],
            "wording_ar": deadline["wording_ar"],
            "wording_en": deadline["wording_en"],
        }

    # The page reads as the seed: its own words, compared with the seed's (set aside:
    # diacritics, digits, punctuation and spacing), and its letterhead on the page and in the PDF.
    served = client_for(tenant).get("/policy/").content.decode()
    ratio = similarity(seed_text(facts), _policy_text(served))
    print(f"seed {number}: similarity {ratio:.3f}")
    assert ratio >= SIMILARITY, f"seed {number} reads {ratio:.3f} like its own text"
    _letterhead_printed(number, facts, html.unescape(re.sub(r"<[^>]+>", " ", served)))
    _letterhead_printed(number, facts, pdf_text(client_for(tenant).get("/policy.pdf")))
    for width in (390, 1366):
        page_screenshot(served, width, ARTEFACTS / f"seed-{number}-{width}.png")

    # The public page says the same, in the same order, and promises nothing it does not do.
    page = _page_text(tenant)
    _assert_in_order(page, sentences)
    if body is None or body["name_ar"] != "لجنة البحث":
        assert "لجنة البحث" not in page
    if "register" not in steps:
        assert "التسجيل" not in page
    # The seeds are Arabic only: the English page words each step as the template does, with
    # the seed's deciding body and its board's wording of the deadline.
    page_en = _page_text(tenant, "en")
    if body:
        assert f"referred to {body['name_en']}, which" in page_en
        assert deadline["wording_en"] in page_en
    else:
        assert "committee" not in page_en.lower()

    # The members, invited through the API now that the policy offers its roles: staff, a
    # holder of the seed's referral role and, where the seed decides, a member of its deciding
    # body. Each joins by the link the invitation e-mailed.
    members = {
        "staff": _member_joins(tenant, admin, "staff", []),
        "referral": _member_joins(tenant, admin, "referral", roles),
    }
    if "decide" in steps:
        members["committee"] = _member_joins(tenant, admin, "committee", [])
    clients = {who: api_client(tenant, email) for who, email in members.items()}
    allowed = ALWAYS.union(*(STEP_ACTIONS.get(step, set()) for step in steps))

    # A case, opened by staff through a channel under the seed's own name, run to the end.
    client, auth = clients["staff"]
    opened = _post(
        client,
        auth,
        CASES,
        {"channel": "interview", "beneficiary": BENEFICIARY, "summary": "طلب", "consent": True},
    )
    assert opened.status_code == 201, opened.json()
    assert opened.json()["channel"]["name_ar"] == "المقابلة"
    walk = Walk(opened.json(), clients, allowed)
    assert walk.read()["policy_version"] == published["version"]
    if "verify" in steps:
        walk.act("staff", "verify", to="received")
    mail.outbox.clear()
    walk.act("staff", "refer", {"role": roles[0], "note": "غير واضح للمستفيد."}, to="referred")
    # The holder is told by e-mail, and answers.
    assert any(members["referral"] in m.to for m in mail.outbox), [m.to for m in mail.outbox]
    walk.act("referral", "answer_referral", {"note": "وُضّحت الجوانب التنظيمية."}, to="received")
    if "answer" in steps:
        walk.act("staff", "answer", {"note": "أُجيب حسب التعليمات."}, to="closed")
    else:
        walk.act("staff", "declare", {"signed_by": BENEFICIARY["full_name"]}, to="received")
        submitted = walk.act("staff", "submit_to_committee", to="in_committee")
        today = timezone.localdate(platform_clock.now())  # the day submitted, as it counts
        due = {
            "working": lambda: _working_days_after(today, deadline["days"]).isoformat(),
            "calendar": lambda: (today + datetime.timedelta(days=deadline["days"])).isoformat(),
            "asap": lambda: None,
        }[deadline["kind"]]()
        assert submitted["committee_due_on"] == due
        walk.act("committee", "decide", {"decision": "accepted"}, to="accepted")
        if "register" in steps:
            walk.act("staff", "register", to="registered")
        walk.act("staff", "deliver", {"note": "قُدّمت الخدمة."}, to="service_delivered")
        walk.act("staff", "close", to="closed")
    # Closed either way: the beneficiary gets the survey link, as after any closure.
    assert any(BENEFICIARY["email"] in m.to and "/survey/" in m.body for m in mail.outbox), [
        m.subject for m in mail.outbox
    ]

    # A request filed online; a step the seed does not publish is refused, saying so, and
    # changes nothing; the beneficiary's status page speaks of the seed's deciding body.
    filed = client_for(tenant).post(
        "/api/v1/requests/",
        {"beneficiary": BENEFICIARY, "summary": "طلب عبر الموقع", "consent": True},
        content_type="application/json",
    )
    assert filed.status_code == 201, filed.json()
    reference, token = filed.json()["reference"], filed.json()["status_token"]
    [listed] = [
        c for c in client.get(CASES, **auth).json()["results"] if c["reference"] == reference
    ]
    walk = Walk(listed, clients, allowed)
    state, action, data = NOT_PUBLISHED[number]
    if state == "received":
        _refused(walk, action, data, state)
    if "decide" in steps:
        walk.act("staff", "verify")
        walk.act("staff", "declare", {"signed_by": BENEFICIARY["full_name"]})
        walk.act("staff", "submit_to_committee", to="in_committee")
        status_page = _status_page(tenant, reference, token)
        assert body["name_ar"] in status_page
        if body["name_ar"] != "لجنة البحث":
            assert "لجنة البحث" not in status_page
    if state == "accepted":
        walk.act("committee", "decide", {"decision": "accepted"}, to="accepted")
        _refused(walk, action, data, state)
    if "answer" in steps:
        walk.act("staff", "answer", {"note": "أُجيب حسب التعليمات."}, to="closed")
        assert "لجنة البحث" not in _status_page(tenant, reference, token)

    # Another association reaches none of it: not the case, not its members.
    thief, thief_auth = api_client(beta, beta.admin_email)
    assert thief.get(f"{CASES}{walk.case['id']}/", **thief_auth).status_code == 404
    stolen = _post(
        thief,
        thief_auth,
        f"{CASES}{walk.case['id']}/transitions/",
        {"action": "withdraw", "reason": "محاولة من جمعية أخرى"},
    )
    assert stolen.status_code == 404
    assert thief.get(CASES, **thief_auth).json()["count"] == 0
    theirs = thief.get(MEMBERS, **thief_auth).content.decode()
    assert not any(email in theirs for email in members.values())
    assert walk.read()["version"] == walk.case["version"]
    with schema_context(tenant.association.schema_name):
        assert User.objects.get(email=members["referral"]).referral_roles == roles
