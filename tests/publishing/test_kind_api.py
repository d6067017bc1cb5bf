"""The other kinds' read-only API (issue 16): /api/v1/policies/<kind>/ and its versions, public
once published, kept per version and language with an ETag like the beneficiary policy's
(whose API is unchanged); another association's policies are never reached."""

from django.core.cache import cache

from tests.helpers import client_for
from tests.publishing.test_policy_kinds import publish_kind

KIND = "document-retention"
CURRENT = f"/api/v1/policies/{KIND}/"
OWN_PURPOSE = "تحفظ جمعية ألفا وثائقها بعناية وتتلفها في وقتها."


def test_a_published_kind_is_read_with_its_versions_and_kept_with_an_etag(alpha):
    client = client_for(alpha)
    missing = client.get(CURRENT)
    assert missing.status_code == 404
    assert missing.json()["detail"] == "This association has not published this policy yet."
    assert client.get(f"{CURRENT}versions/").json() == []

    publish_kind(alpha, KIND, retention_closed_cases="2", section_purpose_body_ar=OWN_PURPOSE)
    first = client.get(CURRENT)
    body = first.json()
    assert first.status_code == 200
    assert (body["kind"], body["version"], body["languages"]) == (KIND, 1, ["ar", "en"])
    assert body["retention"] == {"closed_cases": 2, "complaints": 5}
    sections = {section["key"]: section for section in body["sections"]}
    assert sections["purpose"]["body"] == OWN_PURPOSE
    assert "سنتان" in sections["periods"]["body"]  # the periods, printed from the same data
    assert body["approval"]["meeting_number"] == "12/03"
    assert body["approval"]["approved_on_hijri"] == "1446-02-10"
    assert body["association"]["slug"] == alpha.association.slug
    assert first["ETag"].startswith(f'"{KIND}-1-ar-') and first["Cache-Control"] == "no-cache"
    assert client.get(CURRENT, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    english = client_for(alpha).get(f"{CURRENT}?lang=en")
    assert english.json()["sections"][0]["title"] == "Purpose"
    assert english["ETag"] != first["ETag"]

    publish_kind(alpha, KIND, retention_closed_cases="3")
    cache.clear()
    after = client_for(alpha).get(CURRENT, HTTP_IF_NONE_MATCH=first["ETag"])
    assert after.status_code == 200 and after.json()["version"] == 2
    assert after.json()["retention"]["closed_cases"] == 3
    old = client.get(f"{CURRENT}versions/1/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert old.status_code == 304
    assert client.get(f"{CURRENT}versions/1/").json()["retention"]["closed_cases"] == 2
    assert [v["version"] for v in client.get(f"{CURRENT}versions/").json()] == [2, 1]
    assert client.get(f"{CURRENT}versions/9/").status_code == 404
    # Another kind has none of the retention periods; the beneficiary policy keeps its own API.
    publish_kind(alpha, "fundraising")
    assert "retention" not in client.get("/api/v1/policies/fundraising/").json()
    assert client.get("/api/v1/policy/").status_code == 404  # alpha published no beneficiary one


def test_unknown_kinds_and_the_beneficiary_kind_are_not_found_here(alpha, alpha_policy):
    client = client_for(alpha)
    for kind in ("beneficiary", "nothing", "DATA-PRIVACY"):
        response = client.get(f"/api/v1/policies/{kind}/")
        assert response.status_code == 404, kind
        assert client.get(f"/api/v1/policies/{kind}/versions/").status_code == 404
    assert client.get("/api/v1/policy/").json()["version"] == 1
    assert client.post(CURRENT, {}, content_type="application/json").status_code in (403, 405)


def test_beta_reaches_none_of_alphas_policies_through_the_api(alpha, beta):
    publish_kind(alpha, "whistleblowing", section_purpose_body_ar=OWN_PURPOSE)
    beta_client = client_for(beta)
    assert beta_client.get("/api/v1/policies/whistleblowing/").status_code == 404
    assert beta_client.get("/api/v1/policies/whistleblowing/versions/1/").status_code == 404
    assert beta_client.get("/api/v1/policies/whistleblowing/versions/").json() == []
    publish_kind(beta, "whistleblowing")
    body = beta_client.get("/api/v1/policies/whistleblowing/").content.decode()
    assert OWN_PURPOSE not in body and beta.association.slug in body
