"""The console releases another kind's template (issue 16): operators edit the current version's
sections, see what the release changes, and release it only once confirmed; associations then
see it as an update. Bad input, an unchanged template or a stale start release nothing."""

import html
import re

from catalog.selectors import template_current
from console.models import OperatorAction
from tests.helpers import client_for

KIND = "whistleblowing"
PAGE = f"/console/templates/kinds/{KIND}/"
NEW_PURPOSE = "تشجع {association_name} كل من يعلم بمخالفة على الإبلاغ عنها بأمان."


def _text(response) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def _form(**changes) -> dict:
    """The editor as the browser posts it: the current version's texts, then `changes`."""
    current = template_current(KIND)
    data = {"based_on": current.number, "notes": ""}
    for section in current.sections.all():
        for field in ("title_ar", "title_en", "body_ar", "body_en"):
            data[f"{section.key}-{field}"] = getattr(section, field)
        if section.optional:
            data[f"{section.key}-optional"] = "on"
    return {**data, **changes}


def test_an_operator_reviews_then_confirms_a_release_that_associations_see(console, alpha):
    admin = client_for(alpha, email=alpha.admin_email)
    assert admin.get(f"/app/settings/policies/{KIND}/").status_code == 200  # its draft, on v1
    listing = console.get("/console/templates/?lang=en")
    assert "Whistleblowing Policy" in _text(listing) and PAGE in listing.content.decode()
    editor = console.get(f"{PAGE}?lang=en")
    assert editor.status_code == 200 and "Version 1 is current" in _text(editor)

    data = _form(**{"purpose-body_ar": NEW_PURPOSE, "notes": "A clearer purpose"})
    review = console.post(f"{PAGE}?lang=en", data)
    text = _text(review)
    assert review.status_code == 200
    assert "Release version 2?" in text and "Sections that change: Purpose (purpose)" in text
    assert template_current(KIND).number == 1  # nothing released before the confirmation
    back = console.post(f"{PAGE}?lang=en", {**data, "edit": "1"})
    assert NEW_PURPOSE in html.unescape(back.content.decode())  # the changes are kept

    released = console.post(f"{PAGE}?lang=en", {**data, "confirm": "1"})
    assert released["Location"] == "/console/templates/"
    current = template_current(KIND)
    assert (current.number, current.notes) == (2, "A clearer purpose")
    assert current.sections.get(key="purpose").body_ar == NEW_PURPOSE
    assert current.sections.get(key="review").optional is True
    assert template_current().number == 1  # the beneficiary template did not move
    action = OperatorAction.objects.get(action="template.released")
    assert action.summary == f"{KIND} v2" and action.after["changed"] == ["purpose"]

    # Alpha's draft of that kind is offered the update; another kind's is not.
    offered = "The shared template has a new version"
    assert offered in _text(admin.get(f"/app/settings/policies/{KIND}/?lang=en"))
    assert offered not in _text(admin.get("/app/settings/policies/volunteers/?lang=en"))
    update = admin.get(f"/app/settings/policies/{KIND}/template/?lang=en")
    assert "تشجع" in html.unescape(update.content.decode())


def test_bad_input_an_unchanged_template_or_a_stale_start_releases_nothing(console):
    for changes, field, message in (
        ({"purpose-title_en": "  "}, "purpose-title_en", "This text cannot be empty."),
        ({"scope-body_en": "<b>x</b>"}, None, None),  # an unknown key: not a section here
        ({"reportable-body_ar": "<script>"}, "reportable-body_ar", "without < or >"),
    ):
        response = console.post(f"{PAGE}?lang=en", _form(**changes))
        if field is None:
            assert response.status_code == 400  # nothing changed: the unknown field is ignored
            assert "Nothing changed from version 1" in _text(response)
            continue
        assert response.status_code == 400
        errors = re.search(rf'id="id_{field}-errors">(.*?)</div>', response.content.decode(), re.S)
        assert errors and message in html.unescape(errors.group(1))
        confirmed = console.post(f"{PAGE}?lang=en", {**_form(**changes), "confirm": "1"})
        assert confirmed.status_code == 400
    arabic = console.post(f"{PAGE}?lang=ar", _form(**{"purpose-title_en": ""}))
    assert "لا يمكن أن يكون هذا النص فارغًا" in _text(arabic)

    stale = _form(**{"purpose-body_ar": NEW_PURPOSE, "based_on": "7", "confirm": "1"})
    response = console.post(f"{PAGE}?lang=en", stale)
    assert response.status_code == 400
    assert "Version 1 of this template was released meanwhile" in _text(response)
    assert console.get("/console/templates/kinds/beneficiary/").status_code == 404
    assert console.get("/console/templates/kinds/nothing/").status_code == 404
    assert template_current(KIND).number == 1
    assert not OperatorAction.objects.filter(action="template.released").exists()
