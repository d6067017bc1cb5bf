"""Creating an association from the console: a job the worker runs, with its steps shown."""

from django.contrib.auth.hashers import check_password
from django_tenants.utils import schema_context

from accounts.models import User
from console.models import OperatorAction, ProvisioningJob
from tenants.models import Association
from tests.console.conftest import OPERATOR
from tests.helpers import client_for

NEW = {
    "name_ar": "جمعية الوفاء",
    "name_en": "Al-Wafa",
    "slug": "al-wafa",
    "admin_name": "مدير الوفاء",
    "email": "Admin@Al-Wafa.example",
    "password": "Wafa-Sidra-2026",
}


def test_operator_creates_an_association_and_follows_the_job(console, tasks_inline):
    response = console.post("/console/associations/new/?lang=en", NEW)
    job = ProvisioningJob.objects.get()
    assert response["Location"] == f"/console/jobs/{job.pk}/"
    assert "Wafa-Sidra-2026" not in str(job.__dict__)  # only the password's hash is kept

    assert (job.status, job.step, job.progress) == ("done", "done", 100)
    progress = console.get(f"/console/jobs/{job.pk}/progress/?lang=en").json()
    assert progress["status"] == "done" and progress["step_label"] == "Ready"
    page = console.get(f"/console/jobs/{job.pk}/?lang=en").content.decode()
    assert "The association is ready." in page
    assert 'href="/console/associations/al-wafa/"' in page
    assert "data-poll" not in page  # nothing left to wait for

    association = Association.objects.get(slug="al-wafa")
    assert (association.name_ar, association.status) == ("جمعية الوفاء", "trial")
    with schema_context(association.schema_name):
        admin = User.objects.get()
        assert (admin.email, admin.role, admin.full_name) == (
            "admin@al-wafa.example",
            "admin",
            "مدير الوفاء",
        )
        assert check_password("Wafa-Sidra-2026", admin.password)
    listed = console.get("/console/?q=wafa&lang=en").content.decode()
    assert "Al-Wafa" in listed

    logged = OperatorAction.objects.get(action="association.created")
    assert (logged.actor_email, logged.association_slug, logged.ip_address) == (
        OPERATOR,
        "al-wafa",
        "127.0.0.1",
    )
    assert logged.after["admin_email"] == "admin@al-wafa.example"


def test_the_admin_signs_in_on_the_new_host_with_the_password_given(console, tasks_inline):
    from tests.helpers import Tenant

    console.post("/console/associations/new/", NEW)
    association = Association.objects.get(slug="al-wafa")
    tenant = Tenant(association, "al-wafa.localhost", "admin@al-wafa.example", "")
    client = client_for(tenant)
    client.post("/accounts/login/", {"login": NEW["email"], "password": NEW["password"]})
    assert client.get("/app/").status_code == 200


def test_a_queued_job_shows_its_steps_and_polls(console):
    # Without tasks_inline the job waits for a worker, as behind a busy one.
    response = console.post("/console/associations/new/?lang=en", NEW, follow=True)
    page = response.content.decode()
    job = ProvisioningJob.objects.get()
    assert job.status == "queued"
    assert f'data-poll="/console/jobs/{job.pk}/progress/"' in page
    assert "Creating the association" in page and "Checking the details" in page
    assert '<meta http-equiv="refresh"' in page  # without JavaScript, the page reloads itself
    assert console.get(f"/console/jobs/{job.pk}/progress/").json()["progress"] == 0


def test_taken_or_bad_details_are_refused_before_any_job(console, alpha):
    data = NEW | {"slug": "alpha", "password": "123", "name_en": ""}
    response = console.post("/console/associations/new/?lang=en", data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "This address is already taken." in page
    assert "This field is required." in page
    assert not ProvisioningJob.objects.exists()


def test_a_job_whose_address_was_taken_meanwhile_fails_clearly(console, alpha):
    from console.services import provisioning_job_run

    console.post("/console/associations/new/", NEW)
    job = ProvisioningJob.objects.get()
    Association.objects.filter(pk=alpha.association.pk).update(slug="al-wafa")
    provisioning_job_run(job_id=job.pk)
    job.refresh_from_db()
    # The worker speaks the platform's language, Arabic.
    assert job.status == "failed" and job.error == "هذا العنوان مستخدم من جمعية أخرى."
    assert job.error in console.get(f"/console/jobs/{job.pk}/").content.decode()
    assert not OperatorAction.objects.filter(action="association.created").exists()
    # Run again (a redelivered message): nothing more happens.
    assert provisioning_job_run(job_id=job.pk).status == "failed"
