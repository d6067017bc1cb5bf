"""The committee's «بانتظار قرارك» queue on its home (/app/): the cases sent to it and not yet
decided, the longest waiting first, with their deadline; none of another association's."""

import datetime
import re

from django.utils import timezone
from django_tenants.utils import schema_context

from accounts.models import User
from tests.helpers import PASSWORD, client_for, open_case, person
from workflow.models import CaseStatus

DAY = datetime.timedelta(days=1)


def _queue(page: str) -> str:
    match = re.search(
        r'<section class="panel highlight" id="decision-queue".*?</section>', page, re.S
    )
    assert match, "the home has no decision queue"
    return match.group(0)


def test_the_committee_sees_what_awaits_its_decision_oldest_first(
    alpha, alpha_policy, members, clock
):
    today = timezone.localdate(clock.at)  # the day the queue counts from
    waiting = {"status": CaseStatus.IN_COMMITTEE}
    newest = open_case(
        alpha, who=person(1), submitted_on=today - DAY, committee_due_on=today, **waiting
    )
    oldest = open_case(
        alpha, who=person(2), submitted_on=today - 9 * DAY, committee_due_on=today - DAY, **waiting
    )
    middle = open_case(
        alpha, who=person(3), submitted_on=today - 4 * DAY, committee_due_on=today + 5 * DAY,
        **waiting,
    )  # fmt: skip
    received = open_case(alpha, who=person(4))
    decided = open_case(
        alpha, who=person(5), status=CaseStatus.ACCEPTED, submitted_on=today - 20 * DAY
    )

    page = client_for(alpha, email=members["committee"]).get("/app/").content.decode()
    queue = _queue(page)
    assert "بانتظار قرارك" in queue
    assert re.search(r'id="queue-count">3<', queue)
    rows = re.findall(r'<tr class="queue-case">.*?</tr>', queue, re.S)
    assert [re.search(r'<bdi dir="ltr">(.*?)</bdi>', row).group(1) for row in rows] == [
        oldest.reference,
        middle.reference,
        newest.reference,
    ]
    assert f'href="/app/cases/{oldest.pk}/"' in rows[0]
    assert "مستفيد رقم 2" in rows[0]
    assert "متأخرة" in rows[0] and "متأخرة" not in rows[1]
    assert "موعدها اليوم" in rows[2]
    assert f'datetime="{(today + 5 * DAY).isoformat()}"' in rows[1]
    assert received.reference not in queue and decided.reference not in queue

    # Staff have no decision to take: no queue on their home.
    staff_page = client_for(alpha, email=alpha.staff_email).get("/app/").content.decode()
    assert 'id="decision-queue"' not in staff_page


def test_an_empty_queue_says_so_and_beta_sees_none_of_alphas(alpha, alpha_policy, beta):
    open_case(
        alpha, status=CaseStatus.IN_COMMITTEE, submitted_on=timezone.localdate(),
        committee_due_on=timezone.localdate(),
    )  # fmt: skip
    with schema_context(beta.association.schema_name):
        User.objects.create_user("committee@beta.example", PASSWORD, role=User.Role.COMMITTEE)
    page = client_for(beta, email="committee@beta.example").get("/app/").content.decode()
    queue = _queue(page)
    assert 'id="queue-empty"' in queue and "لا توجد حالة بانتظار قرارك" in queue
    assert re.search(r'id="queue-count">0<', queue)
    assert "queue-case" not in queue
