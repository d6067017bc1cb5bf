"""Demo associations configured as seeds 000, 001 and 003 (demo/seeds/), under fictional
names, contacts, banks and chairs: the seeds' real letterheads stay out of the demo."""

from __future__ import annotations

import datetime

from django.db import transaction
from django_tenants.utils import schema_context

from accounts.models import User
from accounts.services import user_create
from billing.models import Plan
from console.services import plan_assign
from demo.cases import demo_cases_seed
from demo.seed_facts import seed_facts, seed_policy_data, seed_steps
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
        "seed": "000",
        # As seed 000 writes it: the session, no meeting number and no chair.
        "approval": {},
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
        "seed": "001",
        "approval": {
            "chair_name": "م. سليمان العطوي",
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
        "seed": "003",
        # Seed 003: the term, a Hijri date, and the approval under the title; no chair.
        "approval": {"position": "title"},
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


def _codes(items: list) -> list[str]:
    return [item if isinstance(item, str) else item["code"] for item in items]


def demo_seed() -> list[Association]:
    """Create what of the demo is missing; leave what exists as it is."""
    associations = []
    for spec in DEMO_ASSOCIATIONS:
        facts = seed_facts(spec["seed"])
        association = Association.objects.filter(slug=spec["slug"]).first()
        if association is None:
            association = _demo_association_create(spec, facts)
        with schema_context(association.schema_name):
            if policy_published() is None:
                _demo_policy_publish(spec, facts, admin_email=f"admin@{spec['slug']}.example")
            demo_cases_seed(
                channels=_codes(facts["policy"]["channels"]),
                referral_roles=_codes(facts["policy"]["referral_roles"]),
                steps=seed_steps(facts),
                seed=len(associations),
            )
        associations.append(association)
    return associations


def _demo_policy_publish(spec: dict, facts: dict, *, admin_email: str) -> None:
    approval = {**facts["approval"], **spec["approval"]}
    policy_draft_ensure()
    policy_draft_update(data=seed_policy_data(facts))
    policy_draft_approve(
        **{**approval, "approved_on": datetime.date.fromisoformat(approval["approved_on"])}
    )
    policy_publish(actor_email=admin_email)


def _demo_association_create(spec: dict, facts: dict) -> Association:
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
                    # The referral holder answers for every role the seed refers to.
                    member.referral_roles = _codes(facts["policy"]["referral_roles"])
                    member.save(update_fields=["referral_roles"])
    return association
