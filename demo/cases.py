"""Demo cases in every state, so that a demo association's workspace shows something real."""

from __future__ import annotations

import datetime
import random

from django.utils import timezone
from stdnum import luhn

from accounts.models import User
from common import clock
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


def demo_paths(steps: list[str]) -> dict[str, list[str]]:
    """The path each demo case walks, by its final state: every state the procedure reaches."""
    kinds = set(steps)
    ready = [step for step in ("verify", "declare") if step in kinds]
    paths = {CaseStatus.RECEIVED: [], CaseStatus.WITHDRAWN: ["withdraw"]}
    if "refer" in kinds:
        paths[CaseStatus.REFERRED] = ["refer"]
    before_delivery = ready
    if "decide" in kinds:
        submitted = [*ready, "submit_to_committee"]
        paths[CaseStatus.IN_COMMITTEE] = submitted
        paths[CaseStatus.ACCEPTED] = before_delivery = [*submitted, "accept"]
        paths[CaseStatus.REJECTED] = [*submitted, "reject"]
        if "register" in kinds:
            paths[CaseStatus.REGISTERED] = before_delivery = [*before_delivery, "register"]
    if "deliver" in kinds:
        paths[CaseStatus.SERVICE_DELIVERED] = [*before_delivery, "deliver"]
        paths[CaseStatus.CLOSED] = [*before_delivery, "deliver", "close"]
    if "answer" in kinds:
        # An enquiry answered, once the role it was referred to has answered where it refers.
        referral = ["refer", "answer_referral"] if "refer" in kinds else []
        paths.setdefault(CaseStatus.CLOSED, [*referral, "answer"])
    return paths


def _national_id(rng: random.Random) -> str:
    base = rng.choice("12") + "".join(rng.choice("0123456789") for _ in range(8))
    return base + luhn.calc_check_digit(base)


def _step(case: Case, step: str, actors: dict[str, User], policy_roles: list[str]) -> None:
    actions = {
        "refer": ("staff", "refer", {"role": policy_roles[0], "note": "يحتاج إلى دراسة اجتماعية."}),
        "answer_referral": ("referral", "answer_referral", {"note": "وُضّحت الجوانب التنظيمية."}),
        "answer": ("staff", "answer", {"note": "أُجيب المستفيد حسب التعليمات المتبعة."}),
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


def demo_cases_seed(
    *, channels: list[str], referral_roles: list[str], steps: list[str], seed: int
) -> int:
    """Cases in every state the procedure `steps` reaches, two of them overdue where it has a
    deadline and the closed ones with answered surveys."""
    if Case.objects.exists():
        return 0
    rng = random.Random(seed)  # noqa: S311 - repeatable demo data, not secrets
    actors = {
        "staff": User.objects.filter(role=User.Role.STAFF).first(),
        "committee": User.objects.filter(role=User.Role.COMMITTEE).first(),
        "referral": User.objects.filter(role=User.Role.REFERRAL).first(),
    }
    paths = demo_paths(steps)
    made = 0
    for number, status in enumerate(list(paths) * 2):
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
        for step in paths[status]:
            _step(case, step, actors, referral_roles)
        made += 1
    # Two requests the committee is late with, for the dashboard and the reminders.
    late = Case.objects.filter(status=CaseStatus.IN_COMMITTEE, committee_due_on__isnull=False)
    for case in late[:2]:
        overdue = timezone.localdate(clock.now()) - datetime.timedelta(days=3)
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
