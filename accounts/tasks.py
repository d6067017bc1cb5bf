from __future__ import annotations

from accounts.services import member_welcome_send
from tenants.tasking import app


@app.task(name="accounts.member_welcome_send", acks_late=True, max_retries=5)
def member_welcome_send_task(*, user_id: int) -> bool:
    # Runs in the association's schema: tenant-schemas-celery switched to it from the message.
    return member_welcome_send(user_id=user_id)
