"""Every route of both URL confs, filled with alpha's ids, references, tokens and file paths,
requested by everyone who is not alpha: nothing of alpha's comes back, nothing of alpha's
changes, and nothing breaks (no 5xx)."""

from __future__ import annotations

import html
import json
from collections.abc import Callable

from django.test import Client
from django_tenants.utils import schema_context

from accounts.models import User
from publishing.models import PolicyDraft
from tests.helpers import png_bytes, upload
from tests.security.attack import (
    body,
    client,
    failure,
    fingerprint_changes,
    member_client,
    schema_fingerprint,
    send,
)
from tests.security.routes import (
    ASSOCIATION_URLCONF,
    PLATFORM_URLCONF,
    MissingProvider,
    routes,
    urls,
)
from tests.security.summary import record
from workflow.models import Case, CaseDocument


def _attackers(world, host: str, beta=None) -> dict[str, Callable[[Client | None], Client]]:
    """Who knocks on `host` with alpha's identifiers: each makes its client ready for the next
    request, from the one its last GET used (None: a fresh one)."""
    attackers = {
        "anonymous": lambda used: used or client(host),
        # A session cookie or an API token taken from alpha's host to another host (the cookie
        # set again each time: a response may have dropped it).
        "alpha's session cookie": lambda used: _with_cookie(used or client(host), world),
        "alpha's API token": lambda used: (
            used or client(host, HTTP_AUTHORIZATION=f"Token {world.api_token}")
        ),
    }
    if beta is not None:
        attackers["beta's admin"] = lambda used: used or member_client(beta, beta.admin_email)
    return attackers


def _with_cookie(visitor: Client, world) -> Client:
    visitor.cookies["sessionid"] = world.session_cookie
    return visitor


def _written_forms(markers: dict[str, bytes]) -> dict[str, tuple[bytes, ...]]:
    """Each marker as it would come back: as is, escaped for JSON (`\\u0632…`) and for HTML."""
    forms = {}
    for name, marker in markers.items():
        try:
            text = marker.decode()
        except UnicodeDecodeError:
            forms[name] = (marker,)
            continue
        escaped = {json.dumps(text)[1:-1], html.escape(text), html.escape(text, quote=False)}
        forms[name] = (marker, *(form.encode() for form in escaped))
    return forms


def _credentials_work_at_home(world) -> None:
    """The stolen cookie and token open alpha's own workspace: tried elsewhere, a refusal means
    the host refused them, not that they had expired."""
    host = world.alpha.host
    page = _with_cookie(client(host), world).get("/app/")
    assert page.status_code == 200 and world.alpha.association.name_ar in page.content.decode()
    me = client(host, HTTP_AUTHORIZATION=f"Token {world.api_token}").get("/api/v1/me/")
    assert me.status_code == 200 and me.json()["email"] == world.alpha.admin_email, me.content


def _attack(world, urlconf: str, host: str, attackers: dict) -> tuple[int, int, list[str]]:
    """(routes, requests, problems) of every route × attacker × method on `host`."""
    markers = _written_forms(world.markers())
    problems, requests, found = [], 0, routes(urlconf)
    # A client serves its attacker's GETs one after another; anything else is sent by a fresh
    # one (a write could sign its sender out).
    after_get: dict[str, Client] = {}
    for route in found:
        try:
            addresses = urls(route, world, urlconf)
        except MissingProvider as missing:
            problems.append(str(missing))
            continue
        for url in addresses:
            for who, make_client in attackers.items():
                for method in route.methods():
                    visitor = make_client(after_get.pop(who, None) if method == "get" else None)
                    response = send(visitor, method, url)
                    if method == "get":
                        after_get[who] = visitor
                    requests += 1
                    where = f"{method.upper()} {url} as {who} on {host}"
                    if response.status_code >= 500:
                        problems.append(f"{where}: {response.status_code} {failure(response)}")
                    content = body(response)
                    for name, forms in markers.items():
                        # What the attacker put in the address is no leak of theirs to find.
                        if (
                            any(form in content for form in forms)
                            and forms[0].decode(errors="replace") not in url
                        ):
                            problems.append(f"{where}: {response.status_code} shows alpha's {name}")
    return len(found), requests, problems


def test_no_route_of_betas_host_gives_anything_of_alphas(world, alpha, beta):
    _credentials_work_at_home(world)  # before the fingerprint: a key's use is recorded
    before = schema_fingerprint(world.schema)
    count, requests, problems = _attack(
        world, ASSOCIATION_URLCONF, beta.host, _attackers(world, beta.host, beta)
    )
    changed = fingerprint_changes(before, schema_fingerprint(world.schema))
    assert not problems, "\n".join(problems)
    assert not changed, f"beta's requests changed alpha's tables: {changed}"
    # SECURITY.md's claim is the floor: 163 routes, each by 4 attackers with GET and POST at least.
    assert count >= 163 and requests >= 4 * 2 * count
    record(
        "isolation (association host)",
        f"{count} routes x 4 attackers (beta's admin, anonymous, alpha's cookie, alpha's token) "
        f"x methods = {requests} requests on beta's host with alpha's ids; leaks 0, 5xx 0, "
        "alpha's rows changed 0",
    )


def test_no_route_of_the_platform_host_gives_anything_of_alphas(world):
    _credentials_work_at_home(world)  # before the fingerprint: a key's use is recorded
    before = schema_fingerprint(world.schema)
    count, requests, problems = _attack(
        world, PLATFORM_URLCONF, "localhost", _attackers(world, "localhost")
    )
    changed = fingerprint_changes(before, schema_fingerprint(world.schema))
    assert not problems, "\n".join(problems)
    assert not changed, f"requests on the platform host changed alpha's tables: {changed}"
    # SECURITY.md's claim is the floor: 53 routes, each by 3 attackers with GET and POST at least.
    assert count >= 56 and requests >= 3 * 2 * count
    record(
        "isolation (platform host)",
        f"{count} routes x 3 attackers (anonymous, alpha's cookie, alpha's token) x methods = "
        f"{requests} requests with alpha's ids; leaks 0, 5xx 0, alpha's rows changed 0",
    )


def test_the_same_requests_on_alphas_own_host_do_reach_alphas_data(world, alpha):
    """The attack is real: signed in to alpha, the filled addresses show what beta never sees."""
    client = member_client(alpha, alpha.admin_email)
    shown = {
        f"/app/cases/{world.case_id}/": "case summary",
        f"/app/beneficiaries/{world.beneficiary_id}/": "national ID",
        f"/app/cases/{world.case_id}/documents/{world.document_id}/": "document bytes",
        f"/media/{world.schema}/{world.logo_path}": "logo bytes",
        f"/policy/{world.policy_number}/": "policy extra text",
        f"/policies/{world.extra['policy_kind']}/1/": "policy extra text",
        "/governance/bylaws.pdf": "bylaws bytes",
        "/app/disclosures/": "disclosed interest",
        "/app/disclosures/export.csv": "disclosed interest",
        f"/request/{world.reference}/?token={world.status_token}": "alpha's Arabic name",
    }
    markers = world.markers()
    for url, name in shown.items():
        response = client.get(url)
        assert response.status_code == 200, url
        assert markers[name] in body(response), f"{url} does not show alpha's {name}"


def _valid_writes(world) -> list[tuple[str, str, dict]]:
    """Requests that would change alpha's data on alpha's host: (method, path, body)."""
    case = world.case_id
    return [
        ("api", f"/api/v1/cases/{case}/transitions/", {"action": "withdraw", "reason": "بطلبه"}),
        (
            "patch",
            "/api/v1/policy/draft/",
            {"committee_deadline": {"kind": "calendar", "days": 21}},
        ),
        ("form", f"/app/cases/{case}/documents/", {"kind": "report"}),
    ]


def _write(visitor: Client, kind: str, path: str, data: dict):
    if kind == "api":
        return visitor.post(path, data, content_type="application/json")
    if kind == "patch":
        return visitor.patch(path, data, content_type="application/json")
    return visitor.post(path, {**data, "file": upload("r.png", png_bytes(), "image/png")})


def _deadline(tenant) -> tuple:
    with schema_context(tenant.association.schema_name):
        draft = PolicyDraft.objects.get()
        return draft.deadline_kind, draft.deadline_days


def test_valid_writes_from_another_association_change_nothing_of_alphas(world, alpha, beta):
    """Bodies that are valid (a real transition, a real PATCH, a real upload) sent on beta's
    host with alpha's ids, by beta's admin and with alpha's stolen credentials."""
    _credentials_work_at_home(world)  # before the fingerprint: a key's use is recorded
    before = schema_fingerprint(world.schema)
    alphas_deadline = _deadline(alpha)
    problems = []
    for who, make_client in _attackers(world, beta.host, beta).items():
        for kind, path, data in _valid_writes(world):
            status = _write(make_client(None), kind, path, data).status_code
            if kind == "patch" and who == "beta's admin":
                expected = {200}  # beta's own draft: allowed, and checked below
            elif kind == "patch":
                expected = {401, 403}  # alpha's credentials are nobody on beta's host
            else:
                expected = {404} if who == "beta's admin" else {302, 401, 403}
            if status not in expected:
                problems.append(f"{kind} {path} as {who}: {status}, not one of {expected}")
    assert not problems, "\n".join(problems)
    changed = fingerprint_changes(before, schema_fingerprint(world.schema))
    assert not changed, f"beta's valid writes changed alpha's tables: {changed}"
    assert _deadline(beta) == ("calendar", 21) and _deadline(alpha) == alphas_deadline

    # The same bodies on alpha's host, by alpha's admin, do change alpha's data.
    with schema_context(world.schema):
        documents = CaseDocument.objects.filter(case_id=world.case_id).count()
    admin = member_client(alpha, alpha.admin_email)
    token = client(alpha.host, HTTP_AUTHORIZATION=f"Token {world.api_token}")
    results = [
        _write(admin if kind == "form" else token, kind, path, data).status_code
        for kind, path, data in _valid_writes(world)
    ]
    assert results == [200, 200, 302], results
    assert _deadline(alpha) == ("calendar", 21)
    with schema_context(world.schema):
        assert Case.objects.get(pk=world.case_id).status == "withdrawn"
        assert CaseDocument.objects.filter(case_id=world.case_id).count() == documents + 1


def test_a_valid_sign_up_on_an_association_host_creates_no_member(alpha, beta):
    """Members are invited: allauth's sign-up form, sent whole, makes nobody on either host."""
    for tenant in (alpha, beta):
        with schema_context(tenant.association.schema_name):
            members = set(User.objects.values_list("email", flat=True))
        response = client(tenant.host).post(
            "/accounts/signup/",
            {
                "email": "walk-in@example.org",
                "password1": "Qahwa-Arabiya-2026",
                "password2": "Qahwa-Arabiya-2026",
            },
        )
        assert response.status_code < 500
        with schema_context(tenant.association.schema_name):
            assert set(User.objects.values_list("email", flat=True)) == members
