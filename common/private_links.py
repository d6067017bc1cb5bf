"""The pages opened by a private link (a request's or complaint's status, a survey, a short link,
a stop link): never cached nor indexed, refused while an address guesses links, and one 404 for
a wrong link of any kind, whatever part of it is wrong."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TypeVar

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _

from common.ratelimit import LINK_WINDOW_SECONDS, link_guessing, link_missed, rate_limit_retry_after

Opened = TypeVar("Opened")


def private_link(view):
    """Pages opened by a secret link: never cached, never indexed.

    The site's `same-origin` referrer policy already keeps the link from leaving the site;
    `no-referrer` would make browsers post forms with `Origin: null`, which CSRF refuses.
    """

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        add_never_cache_headers(response)
        response["X-Robots-Tag"] = "noindex, nofollow"
        return response

    return wrapper


def link_opens(
    request: HttpRequest,
    find: Callable[[], Opened | None],
    *,
    refused: Callable[[HttpRequest], HttpResponse] | None = None,
) -> Opened | HttpResponse:
    """The first step of a private link's view: what `find` opens, else the response to return
    (`refused`, or the page that says so, while the client's address is guessing links; the
    page that says the link is invalid, counted as a wrong link, when it opens nothing)."""
    if link_guessing(request):
        return (refused or links_refused)(request)
    found = find()
    if found is None:
        return link_invalid(request)
    return found


def status_link_opens(
    request: HttpRequest, reference: str, find: Callable[..., Opened | None]
) -> Opened | HttpResponse:
    """link_opens for a status page: its reference in the path, its token in ?token=."""
    token = request.GET.get("token", "")
    return link_opens(request, lambda: find(reference=reference.strip().upper(), token=token))


def link_invalid(request: HttpRequest) -> HttpResponse:
    link_missed(request)
    return render(request, "workflow/public/link_invalid.html", status=404)


def links_refused(request: HttpRequest) -> HttpResponse:
    response = render(
        request,
        "workflow/public/rate_limited.html",
        {
            "reason": _(
                "Too many wrong links were opened from your connection in the last hour. "
                "Please try again in an hour."
            )
        },
        status=429,
    )
    response["Retry-After"] = str(rate_limit_retry_after(window_seconds=LINK_WINDOW_SECONDS))
    return response


def links_refused_bare(request: HttpRequest) -> HttpResponse:
    """The refusal of a link that only stops messages: its status, no page."""
    retry_after = rate_limit_retry_after(window_seconds=LINK_WINDOW_SECONDS)
    return HttpResponse(status=429, headers={"Retry-After": str(retry_after)})
