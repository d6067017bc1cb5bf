"""Every route of a URL conf, read from Django's resolver (never a hand-written list), filled with
alpha's real ids, references, tokens and file paths.

A route whose parameter has no provider below fails the attack tests with a message saying which
to add: a new route cannot slip past them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver, resolve

from tests.security.world import World

ASSOCIATION_URLCONF = "platform_core.urls_association"
PLATFORM_URLCONF = "platform_core.urls_platform"

WRITE_METHODS = ("put", "patch", "delete")
_ROUTE_PARAMETER = re.compile(r"<(?:\w+:)?(\w+)>")
_REGEX_PARAMETER = re.compile(r"\(\?P<(\w+)>(?:[^()]|\([^()]*\))*\)")


@dataclass(frozen=True)
class Route:
    pattern: str  # as the resolver spells it, includes joined
    name: str  # the URL name, or the pattern for an unnamed route
    callback: Callable
    parameters: tuple[str, ...]

    def methods(self) -> tuple[str, ...]:
        """GET and POST always (a refused method is a 405 to check too), and the other write
        methods the view class declares (DRF views)."""
        view_class = getattr(self.callback, "cls", None) or getattr(
            self.callback, "view_class", None
        )
        extra = tuple(m for m in WRITE_METHODS if view_class and hasattr(view_class, m))
        return ("get", "post", *extra)


def _parameters(pattern: str) -> tuple[str, ...]:
    # Regular expression groups first: their `(?P<name>` would read as a route's `<name>`.
    groups = _REGEX_PARAMETER.findall(pattern)
    return tuple(groups + _ROUTE_PARAMETER.findall(_REGEX_PARAMETER.sub("", pattern)))


def routes(urlconf: str) -> list[Route]:
    """The flattened routes of `urlconf`, includes (allauth, API routers) walked through."""

    def walk(patterns, prefix: str) -> Iterator[Route]:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                yield from walk(entry.url_patterns, prefix + str(entry.pattern))
            elif isinstance(entry, URLPattern):
                pattern = prefix + str(entry.pattern)
                yield Route(
                    pattern=pattern,
                    name=entry.name or pattern,
                    callback=entry.callback,
                    parameters=_parameters(pattern),
                )

    return list(walk(get_resolver(urlconf).url_patterns, "/"))


# --- providers: alpha's value for each parameter name ----------------------------------------
# A provider gets the world and the route's name and returns the values to try (several when
# one parameter names different things on different routes).


def _by_route(table: dict[str, Callable[[World], str]]):
    def provide(world: World, route_name: str) -> list[str]:
        if route_name not in table:
            raise LookupError(route_name)
        return [table[route_name](world)]

    return provide


PROVIDERS: dict[str, Callable[[World, str], list[str]]] = {
    "case_id": lambda w, _r: [str(w.case_id)],
    "document_id": lambda w, _r: [str(w.document_id)],
    "beneficiary_id": lambda w, _r: [str(w.beneficiary_id)],
    "reference": lambda w, r: [
        str(w.extra["complaint_reference"])
        if r == "complaint_status"
        else str(w.extra["report_reference"])
        if r == "whistleblowing_follow_up"
        else w.reference
    ],
    # Alpha's published fundraising policy (its version 1 is `number` too).
    "kind": lambda w, _r: [str(w.extra["policy_kind"])],
    "number": lambda w, r: [
        str(w.extra["statistics_number"]) if r == "statistics_public" else str(w.policy_number)
    ],
    "year": lambda w, _r: [str(w.extra["report_year"])],  # alpha's satisfaction report
    "schema": lambda w, _r: [w.schema],
    # Alpha's logo (public on alpha's host only) and a case document (never a public URL).
    "path": lambda w, _r: [w.logo_path, w.document_path],
    "uidb64": lambda w, _r: [w.join_uid],
    "uidb36": lambda w, _r: [w.reset_uid],
    "token": _by_route(
        {
            "login_handoff": lambda w: w.handoff_token,
            "survey": lambda w: w.survey_token,
            "request_short_link": lambda w: w.status_token,
            "sms_stop": lambda w: str(w.extra["sms_stop_token"]),
            "policy_updates_stop": lambda w: str(w.extra["updates_stop_token"]),
            "policy_updates_confirm": lambda w: str(w.extra["updates_confirm_token"]),
            "join": lambda w: w.join_token,
            "disclosure_board": lambda w: str(w.extra["board_token"]),
        }
    ),
    "key": _by_route(
        {
            "account_confirm_email": lambda w: w.confirm_key,
            "account_reset_password_from_key": lambda w: w.reset_key,
            # The console's template sections (operators only): a real section's key.
            "template_section": lambda w: w.section_key,
            "template_section_remove": lambda w: w.section_key,
        }
    ),
    # privacy/ and breaches/: alpha's data subject request, legal hold and breach.
    "request_id": lambda w, _r: [str(w.extra["request_id"])],
    "hold_id": lambda w, _r: [str(w.extra["hold_id"])],
    "breach_id": lambda w, _r: [str(w.extra["breach_id"])],
    "complaint_id": lambda w, _r: [str(w.extra["complaint_id"])],
    # governance/: alpha's board member and whistleblowing report.
    "board_member_id": lambda w, _r: [str(w.extra["board_member_id"])],
    "report_id": lambda w, _r: [str(w.extra["report_id"])],
    "token_id": lambda w, _r: [str(w.extra["token_id"])],  # alpha's admin's API key
    "member_id": lambda w, _r: [str(w.extra["member_id"])],  # alpha's invited member
    # The console's pages about alpha, its provisioning job and its exports (operators only).
    "slug": lambda w, _r: [w.alpha.association.slug],
    "job_id": lambda w, _r: [str(w.extra["job_id"])],
    "export_id": lambda w, _r: [str(w.extra["export_id"])],
    "format": lambda _w, _r: ["json"],
}

# Query strings some routes need to reach alpha's object at all (the secret half of a link).
QUERIES: dict[str, Callable[[World], dict[str, str]]] = {
    "request_status": lambda w: {"token": w.status_token},
    "api_request_status": lambda w: {"token": w.status_token},
    "complaint_status": lambda w: {"token": str(w.extra["complaint_token"])},
    "whistleblowing_follow_up": lambda w: {"token": str(w.extra["report_token"])},
}


class MissingProvider(AssertionError):
    pass


def _fill(pattern: str, values: dict[str, str]) -> str:
    path = _REGEX_PARAMETER.sub(lambda m: values[m.group(1)], pattern)
    path = _ROUTE_PARAMETER.sub(lambda m: values[m.group(1)], path)
    # What is left of a regular expression route: anchors and escapes.
    return path.replace("^", "").replace("$", "").replace("\\Z", "").replace("\\", "")


def urls(route: Route, world: World, urlconf: str) -> list[str]:
    """The addresses of `route` filled with alpha's values (one per combination of values)."""
    choices: list[dict[str, str]] = [{}]
    for parameter in route.parameters:
        provider = PROVIDERS.get(parameter)
        try:
            values = provider(world, route.name) if provider else None
        except LookupError:
            values = None
        if not values:
            raise MissingProvider(
                f"Route {route.pattern!r} ({route.name}) has a parameter {parameter!r} with no "
                f"provider for this route: add one to PROVIDERS in tests/security/routes.py "
                f"(alpha's value for it, made in tests/security/world.py) so that the "
                f"isolation and authorisation tests can attack it."
            )
        choices = [{**chosen, parameter: value} for chosen in choices for value in values]
    found = []
    for values in choices:
        path = _fill(route.pattern, values)
        match = resolve(path.split("?")[0], urlconf)
        assert match.func == route.callback, f"{path} resolves to {match.func}, not {route.name}"
        query = QUERIES.get(route.name)
        if query:
            path += "?" + "&".join(f"{k}={v}" for k, v in query(world).items())
        found.append(path)
    return found
