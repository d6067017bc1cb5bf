import pytest
from django_tenants.utils import schema_context

from accounts.models import User
from tests.conftest import PASSWORD
from tests.publishing.conftest import api_client, publish

POLICY = {
    "channels": ["interview", "phone", "website"],
    "referral_roles": ["social_researcher", "competent_officer"],
    "committee_deadline": {"kind": "working", "days": 10},
}

BENEFICIARY = {
    "national_id": "1000000008",
    "full_name": "محمد أحمد",
    "phone": "0512345678",
    "email": "mohammed@example.com",
    "city": "تبوك",
}


@pytest.fixture
def alpha_policy(alpha):
    return publish(alpha, data=POLICY)


@pytest.fixture
def members(alpha):
    """One member per role in alpha; the referral holder answers for social_researcher."""
    with schema_context(alpha.association.schema_name):
        for role in ("committee", "referral"):
            User.objects.create_user(
                f"{role}@alpha.example",
                PASSWORD,
                role=role,
                referral_roles=["social_researcher"] if role == "referral" else [],
            )
        User.objects.create_user(
            "other-referral@alpha.example",
            PASSWORD,
            role="referral",
            referral_roles=["competent_officer"],
        )
    return {
        "admin": alpha.admin_email,
        "staff": alpha.staff_email,
        "committee": "committee@alpha.example",
        "referral": "referral@alpha.example",
        "other_referral": "other-referral@alpha.example",
    }


def staff_api(tenant):
    return api_client(tenant, tenant.staff_email)


# The live stack (real gunicorn and Celery worker) and its log hook, for the worker tests here.
from tests.live import live_stack, pytest_runtest_makereport  # noqa: E402, F401
