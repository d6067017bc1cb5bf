"""Demo cases in every state, so that a demo association's workspace shows something real."""

from __future__ import annotations

import datetime
import random

from django.utils import timezone
from stdnum import luhn

from accounts.models import User
from workflow.models import Case, CaseStatus, Survey
from workflow.services import case_open, case_transition
from workflow.surveys import survey_answer

NAMES = [
    "عبدالله سالم العتيبي", "نورة محمد القحطاني", "فهد علي الشمري", "سارة خالد الدوسري",
    "محمد عبدالرحمن الحربي", "هيا سعد المطيري", "تركي ناصر الغامدي", "أمل فيصل الزهراني",
    "خالد إبراهيم السبيعي", "ريم عبدالعزيز العنزي", "ماجد حمد البلوي", "لطيفة صالح الشهري",
    "سلطان عوض الرشيدي", "منيرة يوسف العمري",
]  # fmt: skip
SUMMARIES = [
    "طلب ترميم منزل متضرر من الأمطار.",
    "طلب مساعدة في سداد إيجار السكن.",
    "طلب سلة غذائية شهرية لأسرة من ستة أفراد.",
    "طلب أجهزة منزلية أساسية.",
    "اقتراح بتمديد ساعات استقبال المستفيدين مساءً.",
]
REJECTION = "الدخل أعلى من الحد المعتمد."
# The path each demo case walks, by its final state.
PATHS = {
    CaseStatus.RECEIVED: [],
    CaseStatus.REFERRED: ["refer"],
    CaseStatus.IN_COMMITTEE: ["verify", "declare", "submit_to_committee"],
    CaseStatus.ACCEPTED: ["verify", "declare", "submit_to_committee", "accept"],
    CaseStatus.REJECTED: ["verify", "declare", "submit_to_committee", "reject"],
    CaseStatus.REGISTERED: ["verify", "declare", "submit_to_committee", "accept", "register"],
    CaseStatus.SERVICE_DELIVERED: [
        "verify", "declare", "submit_to_committee", "accept", "register", "deliver",
    ],
    CaseStatus.CLOSED: [
        "verify", "declare", "submit_to_committee", "accept", "register", "deliver", "close",
    ],
    CaseStatus.WITHDRAWN: ["withdraw"],
}  # fmt: skip


def _national_id(rng: random.Random) -> str:
    base = rng.choice("12") + "".join(rng.choice("0123456789") for _ in range(8))
    return base + luhn.calc_check_digit(base)


def _step(case: Case, step: str, actors: dict[str, User], policy_roles: list[str]) -> None:
    actions = {
        "refer": ("staff", "refer", {"role": policy_roles[0], "note": "يحتاج إلى دراسة اجتماعية."}),
        "verify": ("staff", "verify", {}),
        "declare": ("staff", "declare", {"signed_by": case.beneficiary.full_name}),
        "submit_to_committee": ("staff", "submit_to_committee", {}),
        "accept": ("committee", "decide", {"decision": "accepted"}),
        "reject": ("committee", "decide", {"decision": "rejected", "reason": REJECTION}),
        "register": ("staff", "register", {}),
        "deliver": ("staff", "deliver", {"note": "سُلّمت الخدمة."}),
        "close": ("staff", "close", {}),
        "withdraw": ("staff", "withdraw", {"reason": "طلب المستفيد سحب الطلب."}),
    }  # fmt: skip
    role, action, data = actions[step]
    case_transition(case_id=case.pk, actor=actors[role], action=action, data=data)


def demo_cases_seed(*, channels: list[str], referral_roles: list[str], seed: int) -> int:
    """Cases in every state, two of them overdue and the closed ones with answered surveys."""
    if Case.objects.exists():
        return 0
    rng = random.Random(seed)  # noqa: S311 - repeatable demo data, not secrets
    actors = {
        "staff": User.objects.filter(role=User.Role.STAFF).first(),
        "committee": User.objects.filter(role=User.Role.COMMITTEE).first(),
    }
    made = 0
    for number, status in enumerate(list(PATHS) * 2):
        name = NAMES[number % len(NAMES)]
        case, _token = case_open(
            channel=channels[number % len(channels)],
            beneficiary={
                "national_id": _national_id(rng),
                "full_name": name,
                "phone": f"05{rng.choice('03456789')}{rng.randrange(10**6, 10**7)}",
                "email": f"beneficiary{number}@example.com" if number % 3 else "",
                "city": rng.choice(["الرياض", "تبوك", "عرعر", "جدة"]),
            },
            summary=SUMMARIES[number % len(SUMMARIES)],
            consent=True,
            actor=actors["staff"],
            kind="suggestion" if number % 9 == 4 else "request",
        )
        for step in PATHS[status]:
            _step(case, step, actors, referral_roles)
        made += 1
    # Two requests the committee is late with, for the dashboard and the reminders.
    late = Case.objects.filter(status=CaseStatus.IN_COMMITTEE, committee_due_on__isnull=False)
    for case in late[:2]:
        overdue = timezone.localdate() - datetime.timedelta(days=3)
        Case.objects.filter(pk=case.pk).update(committee_due_on=overdue)
        # The timeline says the same date as the case.
        event = case.events.get(action="submit_to_committee")
        event.data = {**event.data, "committee_due_on": overdue.isoformat()}
        event.save(update_fields=["data"])
    for score, survey in enumerate(Survey.objects.all(), start=3):
        survey_answer(
            survey=survey,
            score=min(score, 5),
            deadline_kept=score % 2 == 1,
            staff_courteous=True,
            comment="شكرًا لحسن التعامل." if score % 2 else "",
        )
    return made
