"""Who may do what in an association's workspace."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied


def member_required(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.association is None:
            raise PermissionDenied
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return wrapped


def admin_required(view):
    @wraps(view)
    @member_required
    def wrapped(request, *args, **kwargs):
        if not request.user.is_association_admin:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped
