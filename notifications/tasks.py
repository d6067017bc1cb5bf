from __future__ import annotations

from notifications.providers import ProviderUnavailable
from notifications.services import sms_deliver, sms_routes_prune
from tenants.tasking import app

MAX_RETRIES = 5


@app.task(name="notifications.sms_send", bind=True, acks_late=True, max_retries=MAX_RETRIES)
def sms_send_task(self, *, message_id: int) -> str:
    """Give one logged message to the provider; a provider away is tried again after 1, 2, 4,
    8 and 16 minutes, then the message is marked failed with the reason."""
    try:
        message = sms_deliver(
            message_id=message_id, final_attempt=self.request.retries >= MAX_RETRIES
        )
    except ProviderUnavailable as error:
        raise self.retry(exc=error, countdown=60 * 2**self.request.retries) from error
    return message.status


@app.task(name="notifications.sms_routes_prune", acks_late=True)
def sms_routes_prune_task() -> int:
    """Beat's daily job, in public: the receipts' routes older than the receipts."""
    return sms_routes_prune()
