"""What each step on a case's timeline is called, and the button that takes it: shared by
the pages, the CSV and a beneficiary's data export."""

from django.utils.translation import gettext_lazy

EVENT_LABELS = {
    "open": gettext_lazy("Case opened"),
    "verify": gettext_lazy("Data verified"),
    "refer": gettext_lazy("Referred"),
    "answer_referral": gettext_lazy("Referral answered"),
    "answer": gettext_lazy("Enquiry answered"),
    "declare": gettext_lazy("Declaration signed"),
    "submit_to_committee": gettext_lazy("Sent for a decision"),
    "decide": gettext_lazy("Decision"),
    "register": gettext_lazy("Registered"),
    "deliver": gettext_lazy("Service delivered"),
    "close": gettext_lazy("Closed"),
    "withdraw": gettext_lazy("Withdrawn"),
    "document_added": gettext_lazy("Document added"),
    "beneficiary_told": gettext_lazy("Beneficiary told"),
    "survey_answered": gettext_lazy("Satisfaction survey answered"),
    "consent_withdrawn": gettext_lazy("Consent withdrawn"),
    "status_link_renewed": gettext_lazy("New tracking link issued"),
}
# The milestones of a case's stepper (workflow.selectors.case_stepper).
STAGE_LABELS = {
    "receive": gettext_lazy("Received"),
    "verify": gettext_lazy("Data verified"),
    "declare": gettext_lazy("Declaration signed"),
    "decide": gettext_lazy("Decision of %(body)s"),
    "register": gettext_lazy("Registered"),
    "deliver": gettext_lazy("Service delivered"),
    "close": gettext_lazy("Closed"),
}
ACTION_LABELS = {
    "verify": gettext_lazy("Mark the data verified"),
    "refer": gettext_lazy("Refer the case"),
    "answer_referral": gettext_lazy("Answer the referral"),
    "answer": gettext_lazy("Answer the enquiry and close the case"),
    "declare": gettext_lazy("Record the signed declaration"),
    # Named after who decides in the case's policy version (action_label fills it in).
    "submit_to_committee": gettext_lazy("Send to %(body)s"),
    "decide": gettext_lazy("Record the decision of %(body)s"),
    "register": gettext_lazy("Register the beneficiary"),
    "deliver": gettext_lazy("Record the service delivered"),
    "close": gettext_lazy("Close the case"),
    "withdraw": gettext_lazy("Withdraw the case"),
}


def _naming(label, decision_body: str) -> str:
    label = str(label)
    return label % {"body": decision_body} if "%(body)s" in label else label


def action_label(action: str, decision_body: str) -> str:
    """The button of `action` on a case, naming who decides as the case's policy version does."""
    return _naming(ACTION_LABELS[action], decision_body)


def stage_label(kind: str, decision_body: str) -> str:
    """A milestone of a case's stepper, named as its policy version names who decides."""
    return _naming(STAGE_LABELS[kind], decision_body)
