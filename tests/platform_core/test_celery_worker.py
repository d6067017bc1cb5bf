"""A real Celery worker runs each association's task in that association's schema, once."""

from __future__ import annotations

from psycopg import sql

from tests.live import LiveStack, SignedUp, signup_over_http

BIRR = SignedUp(
    "birr-makkah", "جمعية البر بمكة المكرمة", "Al-Birr Society of Makkah", "amal@birr.example"
)
EHSAN = SignedUp("ehsan-riyadh", "جمعية إحسان بالرياض", "Ehsan Riyadh", "khalid@ehsan.example")
NADA = SignedUp("nada", "جمعية ندى الخير", "Nada Al-Khair", "sara@nada.example")


def admin_row(stack: LiveStack, association: SignedUp) -> tuple[int, object]:
    rows = stack.sql(
        sql.SQL("SELECT id, welcomed_at FROM {}.accounts_user WHERE email = %s").format(
            sql.Identifier(association.schema)
        ),
        [association.email],
    )
    assert len(rows) == 1, f"{association.email} is not a member in {association.schema}: {rows}"
    return rows[0]


def test_welcome_task_runs_in_the_schema_of_the_association_that_signed_up(live_stack):
    # Both tasks wait in the queue, so that the worker's one connection runs them back to back
    # and has to leave the first association's schema for the second's.
    with live_stack.worker_paused():
        signup_over_http(live_stack, BIRR)
        signup_over_http(live_stack, EHSAN)

    for association, other in ((BIRR, EHSAN), (EHSAN, BIRR)):
        [welcome] = live_stack.wait_for(
            f"welcome e-mail to {association.email}",
            lambda association=association: live_stack.mails_to(association.email),
        )
        subject = str(welcome["Subject"])
        body = welcome.get_content()
        assert association.name_ar in subject, subject
        assert association.name_ar in body, body
        assert association.name_en in body, body
        assert live_stack.url("/app/", slug=association.slug) in body, body
        assert other.name_ar not in subject + body, "the e-mail names the other association"
        assert other.name_en not in body, "the e-mail names the other association"

        # The e-mail is written just before the worker's transaction commits welcomed_at.
        live_stack.wait_for(
            f"welcomed_at set in {association.schema}",
            lambda association=association: admin_row(live_stack, association)[1],
            timeout=5,
        )


def test_sending_the_welcome_task_again_sends_no_second_email(live_stack):
    signup_over_http(live_stack, NADA)
    live_stack.wait_for("welcome e-mail to Nada's admin", lambda: live_stack.mails_to(NADA.email))
    live_stack.wait_for("welcomed_at set", lambda: admin_row(live_stack, NADA)[1], timeout=5)
    user_id, welcomed_at = admin_row(live_stack, NADA)

    sent = live_stack.manage(
        "shell",
        "-c",
        "from accounts.tasks import member_welcome_send_task as task; "
        f"print(task.apply_async(kwargs={{'user_id': {user_id}}}, "
        f"headers={{'_schema_name': '{NADA.schema}'}}).id)",
    )
    task_id = sent.stdout.strip().splitlines()[-1]
    [done] = live_stack.wait_for(
        f"the worker to finish task {task_id}",
        lambda: [
            line for line in live_stack.log_messages("worker") if f"[{task_id}] succeeded" in line
        ],
    )
    assert done.endswith(": False"), f"the task sent the welcome again: {done}"
    assert len(live_stack.mails_to(NADA.email)) == 1
    assert admin_row(live_stack, NADA) == (user_id, welcomed_at)
