"""Every route of both URL confs, filled with alpha's ids, references, tokens and file paths,
requested by everyone who is not alpha: nothing of alpha's comes back, nothing of alpha's
changes, and nothing breaks (no 5xx)."""

from __future__ import annotations

from collections.abc import Callable

from django.test import Client

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


def _attackers(world, host: str, beta=None) -> dict[str, Callable[[], Client]]:
    """Who knocks on `host` with alpha's identifiers: clients made fresh for each request."""
    attackers = {
        "anonymous": lambda: client(host),
        # A session cookie or an API token taken from alpha's host to another host.
        "alpha's session cookie": lambda: _with_cookie(client(host), world),
        "alpha's API token": lambda: client(host, HTTP_AUTHORIZATION=f"Token {world.api_token}"),
    }
    if beta is not None:
        attackers["beta's admin"] = lambda: member_client(beta, beta.admin_email)
    return attackers


def _with_cookie(visitor: Client, world) -> Client:
    visitor.cookies["sessionid"] = world.session_cookie
    return visitor


def _attack(world, urlconf: str, host: str, attackers: dict) -> tuple[int, int, list[str]]:
    """(routes, requests, problems) of every route × attacker × method on `host`."""
    markers = world.markers()
    problems, requests, found = [], 0, routes(urlconf)
    for route in found:
        try:
            addresses = urls(route, world, urlconf)
        except MissingProvider as missing:
            problems.append(str(missing))
            continue
        for url in addresses:
            for who, make_client in attackers.items():
                for method in route.methods():
                    response = send(make_client(), method, url)
                    requests += 1
                    where = f"{method.upper()} {url} as {who} on {host}"
                    if response.status_code >= 500:
                        problems.append(f"{where}: {response.status_code} {failure(response)}")
                    content = body(response)
                    for name, marker in markers.items():
                        # What the attacker put in the address is no leak of theirs to find.
                        if marker in content and marker.decode() not in url:
                            problems.append(f"{where}: {response.status_code} shows alpha's {name}")
    return len(found), requests, problems


def test_no_route_of_betas_host_gives_anything_of_alphas(world, alpha, beta):
    before = schema_fingerprint(world.schema)
    count, requests, problems = _attack(
        world, ASSOCIATION_URLCONF, beta.host, _attackers(world, beta.host, beta)
    )
    changed = fingerprint_changes(before, schema_fingerprint(world.schema))
    assert not problems, "\n".join(problems)
    assert not changed, f"beta's requests changed alpha's tables: {changed}"
    assert count >= 60 and requests > 4 * count
    record(
        "isolation (association host)",
        f"{count} routes x 4 attackers (beta's admin, anonymous, alpha's cookie, alpha's token) "
        f"x methods = {requests} requests on beta's host with alpha's ids; leaks 0, 5xx 0, "
        "alpha's rows changed 0",
    )


def test_no_route_of_the_platform_host_gives_anything_of_alphas(world):
    before = schema_fingerprint(world.schema)
    count, requests, problems = _attack(
        world, PLATFORM_URLCONF, "localhost", _attackers(world, "localhost")
    )
    changed = fingerprint_changes(before, schema_fingerprint(world.schema))
    assert not problems, "\n".join(problems)
    assert not changed, f"requests on the platform host changed alpha's tables: {changed}"
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
        f"/request/{world.reference}/?token={world.status_token}": "alpha's Arabic name",
    }
    markers = world.markers()
    for url, name in shown.items():
        response = client.get(url)
        assert response.status_code == 200, url
        assert markers[name] in body(response), f"{url} does not show alpha's {name}"
