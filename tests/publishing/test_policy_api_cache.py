"""The public policy API is kept like the public page: per version and language, per association;
its ETag and Last-Modified let a client ask again and get a 304 while nothing changed."""

from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.helpers import POLICY, client_for, publish

CURRENT = "/api/v1/policy/"


def test_a_client_holding_the_version_gets_a_304_and_a_stale_one_the_policy(alpha, alpha_policy):
    client = client_for(alpha)
    first = client.get(CURRENT)
    etag = first["ETag"]

    assert first.status_code == 200 and first.json()["version"] == 1
    assert etag.startswith('"1-ar-') and first["Last-Modified"]
    held = client.get(CURRENT, HTTP_IF_NONE_MATCH=etag)
    assert held.status_code == 304 and held.content == b""
    assert held["ETag"] == etag
    since = client.get(CURRENT, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert since.status_code == 304
    stale = client.get(CURRENT, HTTP_IF_NONE_MATCH='"1-ar-0000"')
    assert stale.status_code == 200 and stale.json() == first.json()
    # The same bytes from the cache as made the first time, without reading the version again.
    with CaptureQueriesContext(connection) as queries:
        again = client.get(CURRENT)
    assert again.content == first.content
    assert not [q for q in queries.captured_queries if "publishing_policyversion" in q["sql"]]


def test_a_new_version_changes_the_etag_and_the_old_one_stays_at_its_number(alpha, alpha_policy):
    client = client_for(alpha)
    before = client.get(CURRENT)
    publish(alpha, data={**POLICY, "committee_deadline": {"kind": "working", "days": 7}})

    after = client.get(CURRENT, HTTP_IF_NONE_MATCH=before["ETag"])
    assert after.status_code == 200
    assert after.json()["version"] == 2 and after.json()["committee_deadline"]["days"] == 7
    assert after["ETag"].startswith('"2-ar-') and after["ETag"] != before["ETag"]
    old = client.get("/api/v1/policy/versions/1/", HTTP_IF_NONE_MATCH=before["ETag"])
    assert old.status_code == 304
    assert client.get("/api/v1/policy/versions/9/").status_code == 404


def test_the_language_is_part_of_the_key(alpha):
    publish(alpha, data={**POLICY, "languages": ["ar", "en"]})
    client = client_for(alpha)
    arabic = client.get(CURRENT)
    english = client.get(f"{CURRENT}?lang=en")
    arabic_again = client_for(alpha).get(CURRENT)

    assert arabic.json()["sections"][0]["title"] != english.json()["sections"][0]["title"]
    assert english["ETag"].startswith('"1-en-') and english["ETag"] != arabic["ETag"]
    assert arabic_again.content == arabic.content
    assert (
        client_for(alpha).get(f"{CURRENT}?lang=en", HTTP_IF_NONE_MATCH=arabic["ETag"]).status_code
        == 200
    )


def test_betas_host_never_gets_alphas_cached_policy(alpha, alpha_policy, beta):
    alpha_policy_json = client_for(alpha).get(CURRENT).json()
    assert alpha_policy_json["association"]["name_ar"] == "جمعية ألفا الخيرية"

    assert client_for(beta).get(CURRENT).status_code == 404  # beta published nothing
    assert client_for(beta).get("/api/v1/policy/versions/1/").status_code == 404
    publish(beta)
    assert cache.get("policy-api:1:ar") is None  # the keys carry the schema: none in public
    beta_policy = client_for(beta).get(CURRENT)
    assert beta_policy.json()["association"]["name_ar"] == "جمعية بيتا الأهلية"
    assert beta_policy["ETag"] != client_for(alpha).get(CURRENT)["ETag"]
