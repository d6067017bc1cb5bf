"""Every route of an association's host × every role, anonymous included, against the rules.

The rules are a table keyed by URL name: routes under the workspace (/app/, /api/v1/, the 2FA
pages) are for members unless listed; any other route must be listed, so a new public page is
a decision someone writes down. Object-level rules (which case actions a role may take) are
tested cell by cell in tests/workflow/test_case_transitions.py; here each route's door is.
"""

from __future__ import annotations

import pytest

from tests.security.attack import client, failure, member_client, send
from tests.security.routes import ASSOCIATION_URLCONF, MissingProvider, routes, urls
from tests.security.summary import record

# A minute or more of work: scheduled before the rest (tests/conftest.py).
pytestmark = pytest.mark.heavy

PUBLIC, MEMBERS, STAFF, ADMINS, ANYONE = "public", "members", "staff", "admins", "anyone"
CLOSED = "closed"
ROLES = ("admin", "staff", "committee", "referral", "anonymous")
# Who passes each door. ANYONE: pages that depend on a sign-in in progress (allauth's own
# stages), which no role may reach past, and which show nothing of the association.
WHO = {
    PUBLIC: set(ROLES),
    MEMBERS: {"admin", "staff", "committee", "referral"},
    STAFF: {"admin", "staff"},
    ADMINS: {"admin"},
    CLOSED: set(),  # switched off in the settings: every role is turned away
}

ACCESS = {
    # The association's public face.
    "association_home": PUBLIC,
    "policy": PUBLIC,
    "policy_version": PUBLIC,
    "policy_pdf": PUBLIC,
    "policy_version_pdf": PUBLIC,
    # The other kinds of policy (issue 16) and the governance page: public once published.
    "kind_policy": PUBLIC,
    "kind_policy_version": PUBLIC,
    "kind_policy_pdf": PUBLIC,
    "kind_policy_version_pdf": PUBLIC,
    "governance": PUBLIC,
    "governance_bylaws": PUBLIC,
    "request_form": PUBLIC,
    "request_status": PUBLIC,  # whoever holds the private link
    "survey": PUBLIC,  # whoever holds the personal link
    "association_media": PUBLIC,  # the logo only (documents have their own door)
    "api_requests": PUBLIC,
    "api_request_status": PUBLIC,
    "api_schema": PUBLIC,
    "api_docs": PUBLIC,
    "/healthz": PUBLIC,  # unnamed routes go by their pattern
    "/readyz": PUBLIC,
    # CONTRACT.md: the letterhead is public to read; its admins change it (reads, writes).
    "api_association": (PUBLIC, ADMINS),
    "api_policy": PUBLIC,  # CONTRACT.md: the published policy is public
    "api_policy_versions": PUBLIC,
    "api_policy_version": PUBLIC,
    "api_kind_policy": PUBLIC,  # the other kinds' published policies, read-only (issue 16)
    "api_kind_policy_versions": PUBLIC,
    "api_kind_policy_version": PUBLIC,
    "privacy_notice": PUBLIC,
    "privacy_notice_version": PUBLIC,
    "complaints": PUBLIC,
    "request_short_link": PUBLIC,  # whoever holds the private link (texted to the person)
    "sms_stop": PUBLIC,  # whoever holds the opt-out link of a message
    "policy_changes": PUBLIC,  # what a published version changed, linked from its notice
    "policy_updates": PUBLIC,  # «tell me of updates»
    "policy_updates_stop": PUBLIC,  # whoever holds the stop link of a notice's e-mail
    "policy_updates_confirm": PUBLIC,  # whoever holds the confirmation link sent to a subscriber
    # The SMS provider's delivery receipts: only with the webhook's secret, which no role has.
    "sms_receipt": CLOSED,
    "sms_log": ADMINS,
    "complaint_status": PUBLIC,  # whoever holds the private link
    "api_complaints": PUBLIC,
    # What the association publishes about its work (reporting/).
    "statistics_public": PUBLIC,
    "satisfaction_public": PUBLIC,
    # Governance (issue 16): the whistleblowing form and the reporter's private link; a board
    # member's personal disclosure link.
    "whistleblowing": PUBLIC,
    "whistleblowing_follow_up": PUBLIC,  # whoever holds the private link
    "disclosure_board": PUBLIC,  # whoever holds the personal link
    # Only the members an admin designated as whistleblowing officers, none of these roles
    # (tests/governance/test_whistleblowing.py lets an officer in).
    "whistleblowing_reports": CLOSED,
    "whistleblowing_report": CLOSED,
    # Signing in, and the links that lead to it. The sign-in hand-off works once, then sends
    # everyone to the sign-in page (its isolation is in test_isolation_routes.py).
    "login_handoff": ANYONE,
    "join": PUBLIC,
    "home_after_login": PUBLIC,
    "account_login": PUBLIC,
    "account_logout": PUBLIC,
    "account_signup": PUBLIC,  # closed: the adapter refuses sign-ups, members are invited
    "account_inactive": PUBLIC,
    "account_reset_password": PUBLIC,
    "account_reset_password_done": PUBLIC,
    "account_reset_password_from_key": PUBLIC,
    "account_reset_password_from_key_done": PUBLIC,
    "account_confirm_email": PUBLIC,
    "account_email_verification_sent": PUBLIC,
    "account_confirm_login_code": ANYONE,
    "mfa_authenticate": ANYONE,
    "account_reauthenticate": MEMBERS,
    # Reauthentication by an e-mailed code (ACCOUNT_REAUTHENTICATION_METHODS leaves it out).
    "account_request_reauthentication_code": CLOSED,
    "account_confirm_reauthentication_code": CLOSED,
    "account_email": MEMBERS,
    "account_change_password": MEMBERS,
    "account_set_password": MEMBERS,
    # The association's settings, members and exports: admins.
    "association_settings": ADMINS,
    "members": ADMINS,
    "member_roles": ADMINS,
    "member_resend": ADMINS,
    "member_revoke": ADMINS,
    "member_deactivate": ADMINS,
    "member_reactivate": ADMINS,
    "api_members": ADMINS,
    "api_member": ADMINS,
    "api_tokens": ADMINS,
    "api_token_revoke": ADMINS,
    "policy_settings": ADMINS,
    "policy_preview": ADMINS,
    "policy_approve": ADMINS,
    "policy_publish": ADMINS,
    "policy_diff": ADMINS,
    "policy_template_update": ADMINS,
    "policies_overview": ADMINS,
    "kind_policy_settings": ADMINS,
    "kind_policy_approve": ADMINS,
    "kind_policy_publish": ADMINS,
    "kind_policy_diff": ADMINS,
    "kind_policy_template_update": ADMINS,
    "governance_settings": ADMINS,
    "transparency": ADMINS,
    "disclosure_register": ADMINS,
    "disclosure_register_csv": ADMINS,
    "board_member_add": ADMINS,
    "board_member_link": ADMINS,
    "board_member_remove": ADMINS,
    "whistleblowing_officers": ADMINS,
    "cases_csv": ADMINS,
    "api_policy_draft": ADMINS,
    "api_policy_approve": ADMINS,
    "api_policy_publish": ADMINS,
    "privacy_settings": ADMINS,
    "privacy_notice_publish": ADMINS,
    "privacy_retention": ADMINS,
    "privacy_hold_set": ADMINS,
    "privacy_hold_release": ADMINS,
    "access_record_list": ADMINS,
    "access_records_csv": ADMINS,
    "breach_list": ADMINS,
    "breach_new": ADMINS,
    "breach_detail": ADMINS,
    "billing": ADMINS,
    "billing_subscribe": ADMINS,
    "billing_portal": ADMINS,
    "billing_success": ADMINS,
    "statistics": ADMINS,
    "statistics_publish": ADMINS,
    "satisfaction_reports": ADMINS,
    "satisfaction_report": ADMINS,
    "satisfaction_report_pdf": ADMINS,
    # Beneficiary relations staff and admins: opening cases, the data subjects' requests.
    "case_new": STAFF,
    "case_status_link": STAFF,
    "privacy_requests": STAFF,
    "privacy_request_new": STAFF,
    "privacy_consent_withdraw": STAFF,
    "privacy_request": STAFF,
    # The complaints log: whoever opens cases (a complaint may be about a committee's decision).
    **{f"complaint_{page}": STAFF for page in ("list", "new", "detail", "assign", "answer")},
    "complaint_settings": ADMINS,  # the association's own deadline for answering
    **{
        f"privacy_request_{step}": STAFF
        for step in ("verify", "extend", "refuse", "complete", "correct", "delete", "export")
    },
}
DEFAULT_MEMBERS = ("/app/", "/api/v1/", "/accounts/2fa/")
READS = {"get", "head", "options"}


def expected_access(route) -> str | tuple[str, str]:
    if route.name in ACCESS:
        return ACCESS[route.name]
    if route.pattern.startswith(DEFAULT_MEMBERS):
        return MEMBERS
    raise AssertionError(
        f"Unknown URL name {route.name!r} ({route.pattern}): add it to ACCESS in "
        f"tests/security/test_authorisation.py with who may use it (public, members, staff, "
        f"admins)."
    )


def _refused(response) -> bool:
    """The door was shut: a sign-in page, 401 or 403."""
    if response.status_code in (401, 403):
        return True
    return response.status_code == 302 and "/accounts/login/" in response["Location"]


def _denied(response) -> bool:
    # A 404 denies too: a member who may not see a thing is told it does not exist.
    return _refused(response) or response.status_code == 404


def test_every_route_for_every_role_follows_the_rules(world, members, alpha):
    clients = {
        role: (lambda: client(alpha.host))
        if role == "anonymous"
        else (lambda role=role: member_client(alpha, members[role]))
        for role in ROLES
    }
    problems, requests, found = [], 0, routes(ASSOCIATION_URLCONF)
    for route in found:
        try:
            access = expected_access(route)
            addresses = urls(route, world, ASSOCIATION_URLCONF)
        except (AssertionError, MissingProvider) as error:
            problems.append(str(error))
            continue
        for url in addresses:
            for role in ROLES:
                for method in route.methods():
                    door = (
                        access[method.lower() not in READS] if isinstance(access, tuple) else access
                    )
                    response = send(clients[role](), method, url)
                    requests += 1
                    where = f"{method.upper()} {url} ({route.name}, {door}) as {role}"
                    if response.status_code >= 500:
                        problems.append(f"{where}: {response.status_code} {failure(response)}")
                    elif door == ANYONE:
                        continue
                    elif role in WHO[door] and _refused(response):
                        problems.append(f"{where}: refused ({response.status_code})")
                    elif role not in WHO[door] and not _denied(response):
                        problems.append(f"{where}: let in ({response.status_code})")
    assert not problems, "\n".join(problems)
    record(
        "authorisation",
        f"{len(found)} routes x {len(ROLES)} roles ({', '.join(ROLES)}) x methods = "
        f"{requests} requests against the access table; 0 mismatches",
    )
