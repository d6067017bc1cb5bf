"""The OpenAPI schema fuzzed by schemathesis against the real app: no 5xx, responses match.

Runs in-process through the WSGI handler and the whole middleware stack, on an association's
host, signed in with an admin's token, into the test PostgreSQL.
"""

import datetime
import re

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django_tenants.utils import schema_context
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance
from stdnum import luhn

from accounts.models import User
from accounts.tokens import api_token_create
from billing.models import Plan
from tests.helpers import POLICY, publish
from tests.security.routes import ASSOCIATION_URLCONF
from tests.security.routes import routes as association_routes
from tests.security.summary import record

# A minute or more of work: scheduled before the rest (tests/conftest.py).
pytestmark = pytest.mark.heavy

EXAMPLES_PER_OPERATION = 30


@pytest.fixture
def api_schema(alpha):
    publish(alpha, data=POLICY)
    with schema_context(alpha.association.schema_name):
        token = api_token_create(user=User.objects.get(email=alpha.admin_email), name="fuzz")[1]
    # The WSGI handler closes the database connection after each request: in a test, that is
    # the test's own transaction. Django's test client detaches these signals the same way (and
    # reattaches them after each of its requests, so this comes after publish()).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    schema = schemathesis.openapi.from_wsgi(
        "/api/schema/?format=json", get_wsgi_application(), headers={"Host": alpha.host}
    )
    yield schema, {"Host": alpha.host, "Authorization": f"Token {token}"}
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def test_every_operation_survives_generated_input(api_schema):
    schema, headers = api_schema
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 12  # the contract's endpoints are all in the schema
    # The whole API, not what someone remembered to document: every /api/v1/ route of the
    # resolver is in the schema, so every one is fuzzed.
    documented = {operation.path for operation in operations}
    routes = {
        re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route.pattern)
        for route in association_routes(ASSOCIATION_URLCONF)
        if route.pattern.startswith("/api/v1/")
    }
    assert routes <= documented, f"API routes missing from the schema: {routes - documented}"
    cases = 0
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case):
            nonlocal cases
            cases += 1
            # The schema cannot say that an ID's check digit must hold or that a channel must
            # be in the published policy, so a schema-valid body may rightly get a 400.
            case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])

        check()
    record(
        "API fuzz",
        f"{len(operations)} operations (every /api/v1/ route) x up to {EXAMPLES_PER_OPERATION} "
        f"schemathesis cases = {cases} requests; 5xx 0, responses match the schema",
    )


# --- cases, requests and complaints: the schema says what the server accepts ---------------------


@st.composite
def _national_ids(draw) -> str:
    """The schema's `saudi-national-id` format: ten digits from 1 or 2, Luhn check digit last."""
    body = draw(st.sampled_from("12")) + draw(st.from_regex(r"\A[0-9]{8}\Z"))
    return body + luhn.calc_check_digit(body)


schemathesis.openapi.format("saudi-national-id", _national_ids())

CONFORMING = {
    ("GET", "/api/v1/cases/"),
    ("POST", "/api/v1/cases/"),
    ("GET", "/api/v1/cases/{case_id}/"),
    ("POST", "/api/v1/requests/"),  # requests, suggestions and complaints filed online
    ("GET", "/api/v1/requests/{reference}/"),
    ("POST", "/api/v1/complaints/"),
}
# Whether a step is allowed depends on the case's state and the member's role, which no schema
# says: a schema-valid transition may rightly be refused, so it gets the negative checks only.
NEGATIVE_ONLY = {("POST", "/api/v1/cases/{case_id}/transitions/")}


def test_cases_and_requests_accept_what_their_schema_allows_and_refuse_what_it_forbids(
    api_schema, clock
):
    schema, headers = api_schema
    # Every generated case stays open; the trial plan's limit is not what is tested here.
    Plan.objects.filter(code="trial").update(max_open_cases=None)
    operations = {
        (operation.method.upper(), operation.path): operation
        for operation in (result.ok() for result in schema.get_all_operations())
    }
    assert CONFORMING | NEGATIVE_ONLY <= set(operations)
    counted = {GenerationMode.POSITIVE: 0, GenerationMode.NEGATIVE: 0}

    def run(operation, mode: GenerationMode) -> None:
        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case):
            # An hour later each time: the public endpoints' rate limits would otherwise answer
            # 429 to every case after the first few.
            clock.at += datetime.timedelta(hours=1)
            counted[mode] += 1
            case.call_and_validate(headers=headers)

        check()

    for key in sorted(CONFORMING | NEGATIVE_ONLY):
        if key in CONFORMING:
            run(operations[key], GenerationMode.POSITIVE)
        run(operations[key], GenerationMode.NEGATIVE)
    record(
        "API conformance",
        f"cases, requests and complaints ({len(CONFORMING | NEGATIVE_ONLY)} operations): "
        f"{counted[GenerationMode.POSITIVE]} schema-valid requests accepted, "
        f"{counted[GenerationMode.NEGATIVE]} schema-invalid ones refused, 5xx 0",
    )
