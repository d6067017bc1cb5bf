"""Who handles beneficiaries' personal data requests: the views and the panels ask here."""

from functools import wraps

from django.core.exceptions import PermissionDenied

from accounts.models import User
from tenants.permissions import member_required

HANDLERS = (User.Role.STAFF, User.Role.ADMIN)


def handler_required(view):
    """Staff and admins: the members who handle beneficiaries' personal data requests."""

    @wraps(view)
    @member_required
    def wrapped(request, *args, **kwargs):
        if request.user.role not in HANDLERS:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped
