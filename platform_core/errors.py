"""Error pages: JSON under /api/ (CONTRACT.md: never an HTML page there), pages elsewhere."""

from django.http import JsonResponse
from django.views import defaults


def _api(request) -> bool:
    return request.path.startswith("/api/")


def bad_request(request, exception=None):
    if _api(request):
        return JsonResponse({"detail": "Bad request."}, status=400)
    return defaults.bad_request(request, exception)


def permission_denied(request, exception=None):
    if _api(request):
        return JsonResponse({"detail": "You do not have permission."}, status=403)
    return defaults.permission_denied(request, exception)


def not_found(request, exception=None):
    if _api(request):
        return JsonResponse({"detail": "Not found."}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request):
    if _api(request):
        return JsonResponse({"detail": "Server error; it was recorded."}, status=500)
    return defaults.server_error(request)
