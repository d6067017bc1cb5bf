"""Arabic unless the visitor asked for English with ?lang=en or the switcher (a cookie)."""

from django.conf import settings
from django.utils import translation

SUPPORTED = {code for code, _name in settings.LANGUAGES}


def current_language() -> str:
    """ "ar" or "en": the language the current request is answered in."""
    return "en" if (translation.get_language() or "ar").startswith("en") else "ar"


def language_asked(request) -> str:
    """The request's language: ?lang=, then the cookie, then Arabic."""
    asked = request.GET.get("lang")
    if asked in SUPPORTED:
        return asked
    cookie = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    return cookie if cookie in SUPPORTED else settings.LANGUAGE_CODE


class LanguageQueryMiddleware:
    """Chooses the language from ?lang=, then the cookie, then Arabic.

    The browser's Accept-Language is ignored on purpose: an Arabic site for Saudi users must
    not turn English because a phone is set to English.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        asked = request.GET.get("lang")
        language = language_asked(request)
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        if asked in SUPPORTED:
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME, asked, max_age=365 * 24 * 3600, samesite="Lax"
            )
        response.headers.setdefault("Content-Language", language)
        return response
