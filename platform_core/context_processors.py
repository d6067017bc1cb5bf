from django.conf import settings


def platform(request):
    return {
        "association": getattr(request, "association", None),
        "platform_url": settings.PLATFORM_BASE_URL,
    }
