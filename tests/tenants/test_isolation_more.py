"""Password resets, custom domains and cache entries stay inside their association."""

import re

from django.core.cache import cache
from django_tenants.utils import schema_context

from tenants.models import Domain
from tenants.selectors import association_cache_clear
from tests.helpers import PASSWORD, client_for


def test_password_reset_link_is_sent_for_own_member_and_works_only_on_own_host(
    alpha, beta, mailoutbox
):
    client_for(beta).post("/accounts/password/reset/", {"email": alpha.admin_email})
    assert not any("/accounts/password/reset/key/" in m.body for m in mailoutbox)

    client_for(alpha).post("/accounts/password/reset/", {"email": alpha.admin_email})
    message = mailoutbox[-1]
    assert message.to == [alpha.admin_email]
    link = re.search(
        r"http://alpha\.localhost(:\d+)?(/accounts/password/reset/key/\S+)", message.body
    )
    assert link, message.body
    path = link.group(2)

    # On beta's host the key means nothing: no form to choose a new password.
    assert "password1" not in client_for(beta).get(path, follow=True).content.decode()

    owner = client_for(alpha)
    form = owner.get(path, follow=True)
    assert "password1" in form.content.decode()
    owner.post(
        form.redirect_chain[-1][0] if form.redirect_chain else path,
        {"password1": "Brand-new-pass-2026", "password2": "Brand-new-pass-2026"},
    )
    fresh = client_for(alpha)
    fresh.post("/accounts/login/", {"login": alpha.admin_email, "password": "Brand-new-pass-2026"})
    assert fresh.get("/app/").status_code == 200
    old = client_for(alpha)
    old.post("/accounts/login/", {"login": alpha.admin_email, "password": PASSWORD})
    assert old.get("/app/").status_code == 302


def test_custom_domain_serves_its_association(alpha):
    Domain.objects.create(domain="ihsan-demo.org.sa", tenant=alpha.association, is_primary=False)
    association_cache_clear()
    page = client_for(None).get("/", HTTP_HOST="ihsan-demo.org.sa").content.decode()
    assert "جمعية ألفا الخيرية" in page


def test_cache_entries_written_for_one_association_are_not_seen_by_another(alpha, beta):
    with schema_context(alpha.association.schema_name):
        cache.set("dashboard-counts", {"open": 7})
        assert cache.get("dashboard-counts") == {"open": 7}
    with schema_context(beta.association.schema_name):
        assert cache.get("dashboard-counts") is None
    with schema_context("public"):
        assert cache.get("dashboard-counts") is None
