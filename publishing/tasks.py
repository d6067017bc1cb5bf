from catalog.models import PolicyKind
from publishing.documents import policy_document_get
from publishing.selectors import policy_version_get
from tenants.tasking import app


@app.task(name="publishing.policy_documents_render", acks_late=True, max_retries=3)
def policy_documents_render_task(*, number: int, kind: str = PolicyKind.BENEFICIARY) -> int:
    """Render a newly published version's PDFs ahead of the first visitor (idempotent)."""
    version = policy_version_get(number=number, kind=kind)
    if version is None:
        return 0
    for language in ("ar", "en"):
        policy_document_get(version=version, language=language)
    return 2
