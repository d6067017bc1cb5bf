"""Demo associations modelled on the seeds' associations: fictional names, contacts and banks."""

from __future__ import annotations

import datetime

from django.db import transaction
from django_tenants.utils import schema_context

from accounts.models import User
from accounts.services import user_create
from billing.models import Plan
from console.services import plan_assign
from demo.cases import demo_cases_seed
from publishing.selectors import policy_published
from publishing.services import (
    policy_draft_approve,
    policy_draft_ensure,
    policy_draft_update,
    policy_publish,
)
from tenants.models import Association
from tenants.services import association_profile_update, bank_accounts_replace
from workspace.provisioning import association_provision

DEMO_PASSWORD = "Mustafid-demo-2026"

DEMO_ASSOCIATIONS = [
    {
        # Modelled on seed 000, a call-and-guidance association.
        "slug": "hidaya",
        "name_ar": "جمعية الهداية التجريبية للدعوة والإرشاد",
        "name_en": "Al-Hidaya Demo Association for Call and Guidance",
        "profile": {
            "license_label_ar": "تصريح رقم",
            "license_label_en": "Permit No.",
            "license_number": "9001",
            "supervising_authority": "وزارة الشؤون الإسلامية والدعوة والإرشاد",
            "address": "حي الورود، الرياض",
            "postal_code": "12251",
            "phone": "+966112345678",
            "email": "info@hidaya.example",
            "website": "https://hidaya.example",
            "social_handles": {"x": "hidaya_demo"},
        },
        "bank_accounts": [
            {"iban": "SA3210000000000000123456", "holder_name": "جمعية الهداية التجريبية"}
        ],
        "referral_roles": ["public_relations_officer"],
        # Seed 000: five channels, no tools section, a responsibilities section.
        "policy": {
            "channels": ["interview", "phone", "social_media", "letters", "website"],
            "tools": [],
            "referral_roles": ["public_relations_officer"],
            "committee_deadline": {"kind": "working", "days": 10},
            "sections": [
                {"key": "tools", "included": False},
                {"key": "responsibilities", "included": True},
            ],
        },
        # As seed 000 writes it: the session, no meeting number and no chair.
        "approval": {"session": "الرابعة", "approved_on": datetime.date(2023, 3, 20)},
    },
    {
        # Modelled on seed 001, a housing association in Tabuk.
        "slug": "maawa",
        "name_ar": "جمعية مأوى التجريبية للإسكان بتبوك",
        "name_en": "Maawa Demo Housing Association in Tabuk",
        "profile": {
            "license_number": "9002",
            "basmala": True,
            "digits": "arabic",
            "supervising_authority": "وزارة البلديات والإسكان",
            "address": "حي المروج، تبوك",
            "postal_code": "47913",
            "phone": "+966144123456",
            "email": "info@maawa.example",
            "website": "https://maawa.example",
            "social_handles": {"x": "maawa_demo", "instagram": "maawa_demo"},
        },
        "bank_accounts": [
            {"iban": "SA6080000000000000777001", "holder_name": "جمعية مأوى التجريبية"},
            {"iban": "SA6305000000000000654321", "holder_name": "جمعية مأوى التجريبية"},
        ],
        "referral_roles": ["social_researcher"],
        # Seed 001: eight channels, the four tools, ten working days.
        "policy": {
            "channels": [
                "interview",
                "phone",
                "social_media",
                "letters",
                "assistance_request",
                "volunteering",
                "website",
                "branch_representatives",
            ],
            "tools": [
                "bylaws",
                "social_research_guide",
                "support_policy_guide",
                "support_request_form",
            ],
            "referral_roles": ["social_researcher"],
            "committee_deadline": {"kind": "working", "days": 10},
            "sections": [{"key": "responsibilities", "included": False}],
        },
        "approval": {
            "meeting_number": "5",
            "approved_on": datetime.date(2024, 8, 14),
            "chair_name": "أ. سالم العنزي",
            "effect_ar": "وتعتبر نافذة من تاريخ اعتمادها",
            "effect_en": "It takes effect from the date of its approval.",
        },
    },
    {
        # Modelled on seed 003, a training association in Riyadh.
        "slug": "maharat",
        "name_ar": "جمعية مهارات التجريبية للتدريب",
        "name_en": "Maharat Demo Training Association",
        "profile": {
            "license_number": "9003",
            "supervising_authority": "وزارة الموارد البشرية والتنمية الاجتماعية",
            "address": "حي النخيل، الرياض",
            "postal_code": "12382",
            "phone": "+966118765432",
            "emails": ["info@maharat.example", "maharat.sa@gmail.example"],
            "reference_header": True,
            "website": "https://maharat.example",
            "social_handles": {},
        },
        "bank_accounts": [
            {"iban": "SA5520000000000000450012", "holder_name": "جمعية مهارات التجريبية"}
        ],
        "referral_roles": ["competent_officer"],
        # Seed 003: the competent official, as soon as possible.
        "policy": {
            "channels": [
                "interview",
                "phone",
                "social_media",
                "letters",
                "assistance_request",
                "volunteering",
                "website",
                "branch_representatives",
            ],
            "tools": [
                "bylaws",
                "social_research_guide",
                "support_policy_guide",
                "support_request_form",
            ],
            "referral_roles": ["competent_officer"],
            "committee_deadline": {"kind": "asap", "days": None},
            "sections": [{"key": "responsibilities", "included": False}],
        },
        # Seed 003: the term, a Hijri date, and the approval under the title.
        "approval": {
            "meeting_number": "25/02",
            "term": "الأولى",
            "approved_on_hijri": "1446-10-26",
            "position": "title",
        },
    },
]

ROLE_NAMES = {
    User.Role.STAFF: "موظف علاقات المستفيدين",
    User.Role.COMMITTEE: "عضو لجنة البحث",
    User.Role.REFERRAL: "مسؤول الإحالة",
}


def demo_logins(slug: str) -> list[tuple[str, str]]:
    return [
        (role, f"{role}@{slug}.example") for role in ("admin", "staff", "committee", "referral")
    ]


def demo_seed() -> list[Association]:
    """Create what of the demo is missing; leave what exists as it is."""
    associations = []
    for spec in DEMO_ASSOCIATIONS:
        association = Association.objects.filter(slug=spec["slug"]).first()
        if association is None:
            association = _demo_association_create(spec)
        with schema_context(association.schema_name):
            if policy_published() is None:
                _demo_policy_publish(spec, admin_email=f"admin@{spec['slug']}.example")
            demo_cases_seed(
                channels=[c for c in spec["policy"]["channels"] if isinstance(c, str)],
                referral_roles=spec["policy"]["referral_roles"],
                seed=len(associations),
            )
        associations.append(association)
    return associations


def _demo_policy_publish(spec: dict, *, admin_email: str) -> None:
    policy_draft_ensure()
    policy_draft_update(data=spec["policy"])
    policy_draft_approve(**spec["approval"])
    policy_publish(actor_email=admin_email)


def _demo_association_create(spec: dict) -> Association:
    slug = spec["slug"]
    association, _admin = association_provision(
        slug=slug,
        name_ar=spec["name_ar"],
        name_en=spec["name_en"],
        admin_email=f"admin@{slug}.example",
        admin_password=DEMO_PASSWORD,
        admin_name="مدير الجمعية",
        status=Association.Status.ACTIVE,
    )
    with transaction.atomic():
        # The demo shows every role and a year of cases: the professional plan, by an operator.
        plan_assign(
            association=association, plan=Plan.objects.get(code="pro"), actor_email="seed_demo"
        )
        association_profile_update(association=association, data=spec["profile"])
        bank_accounts_replace(association=association, accounts=spec["bank_accounts"])
        with schema_context(association.schema_name):
            for role, full_name in ROLE_NAMES.items():
                member = user_create(
                    email=f"{role}@{slug}.example",
                    password=DEMO_PASSWORD,
                    role=role,
                    full_name=full_name,
                    email_verified=True,
                )
                if role == User.Role.REFERRAL:
                    member.referral_roles = spec["referral_roles"]
                    member.save(update_fields=["referral_roles"])
    return association
