"""Export, delete and restore an association: the rules of each service in the test database,
and the whole round trip (real Celery worker, real pg_dump, real gunicorn) on the live stack."""

from __future__ import annotations

import datetime
import gzip
import io
import json
import tarfile
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.utils import timezone, translation
from django_tenants.utils import schema_context, schema_exists

from accounts.models import User
from console.archive import association_export_build, association_restore
from console.lifecycle import association_delete, association_export_start
from console.models import OperatorAction
from console.selectors import association_usage
from tenants.models import Association, AssociationExport, Domain
from tests.helpers import BENEFICIARY, PASSWORD, POLICY, client_for, throwaway
from tests.live import live_stack  # noqa: F401 - the session's live stack
from tests.tenants.roundtrip import (
    OPERATOR,
    PDF,
    SEED,
    local_dir,
    shell,
    snapshot,
    subscription,
)


@pytest.fixture(autouse=True)
def _english():
    # The services' messages are checked in English, whatever the Arabic catalogue holds.
    with translation.override("en"):
        yield


@pytest.fixture
def folders(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.EXPORTS_ROOT = str(tmp_path / "exports")
    return tmp_path


@pytest.fixture
def gamma(db, folders):
    tenant = throwaway("gamma-life")
    document = Path(folders, "media", tenant.association.schema_name, "cases", "1", "report.pdf")
    document.parent.mkdir(parents=True)
    document.write_bytes(PDF)
    return tenant


def finished_export(association, *, hours_ago: float = 1, on_disk: bool = True):
    export = AssociationExport.objects.create(
        association=association,
        association_slug=association.slug,
        schema_name=association.schema_name,
        requested_by=OPERATOR,
        status=AssociationExport.Status.DONE,
        progress=100,
        file=f"{association.slug}-{hours_ago}h-{on_disk}.tar.gz",
        finished_at=timezone.now() - datetime.timedelta(hours=hours_ago),
    )
    if on_disk:
        export.path.parent.mkdir(parents=True, exist_ok=True)
        export.path.write_bytes(b"archive")
    return export


def intact(tenant) -> bool:
    association = tenant.association
    return (
        Association.objects.filter(pk=association.pk, slug=association.slug).exists()
        and Domain.objects.filter(tenant_id=association.pk).exists()
        and schema_exists(association.schema_name)
        and (Path(association_folder(association)) / "cases/1/report.pdf").read_bytes() == PDF
    )


def association_folder(association) -> Path:
    from django.conf import settings

    return Path(settings.MEDIA_ROOT) / association.schema_name


# --- delete ----------------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["", "gamma", "GAMMA-LIFE", " gamma-life", "beta"])
def test_delete_with_a_wrong_slug_is_refused_and_changes_nothing(gamma, typed):
    finished_export(gamma.association)
    with pytest.raises(ValidationError) as refused:
        association_delete(association=gamma.association, confirm_slug=typed, actor_email=OPERATOR)
    assert "gamma-life" in refused.value.message_dict["confirm_slug"][0]
    assert intact(gamma)
    assert not OperatorAction.objects.filter(action="association.deleted").exists()


def test_delete_without_a_fresh_export_on_disk_is_refused(gamma):
    def refused() -> str:
        with pytest.raises(ValidationError) as error:
            association_delete(
                association=gamma.association, confirm_slug="gamma-life", actor_email=OPERATOR
            )
        return " ".join(error.value.messages)

    assert "Export the association first" in refused()
    finished_export(gamma.association, hours_ago=25)
    assert "24 hours" in refused()
    finished_export(gamma.association, on_disk=False)
    assert "Export the association first" in refused()
    AssociationExport.objects.create(
        association=gamma.association,
        association_slug="gamma-life",
        schema_name=gamma.association.schema_name,
        requested_by=OPERATOR,
        status=AssociationExport.Status.FAILED,
        finished_at=timezone.now(),
    )
    assert "Export the association first" in refused()
    assert intact(gamma)


def test_delete_removes_schema_files_and_rows_keeps_the_export_and_logs(gamma, beta):
    export = finished_export(gamma.association)
    assert client_for(gamma).get("/").status_code == 200
    schema = gamma.association.schema_name

    association_delete(
        association=gamma.association,
        confirm_slug="gamma-life",
        actor_email=OPERATOR,
        ip_address="10.0.0.7",
    )
    assert not Association.objects.filter(slug="gamma-life").exists()
    assert not Domain.objects.filter(domain__startswith="gamma-life.").exists()
    assert not schema_exists(schema)
    assert not association_folder(gamma.association).exists()
    assert client_for(gamma).get("/").status_code == 404
    export.refresh_from_db()
    assert export.association is None and export.path.is_file()
    logged = OperatorAction.objects.get(action="association.deleted")
    assert (logged.association_slug, logged.actor_email) == ("gamma-life", OPERATOR)
    assert logged.before["schema_name"] == schema
    assert logged.after["export_id"] == export.pk
    # Beta is untouched.
    assert schema_exists(beta.association.schema_name)
    assert client_for(beta, email=beta.admin_email).get("/app/").status_code == 200


# --- export (in the test database; the worker's run is on the live stack below) -------------


def test_export_is_queued_once_and_logged(gamma):
    export = association_export_start(
        association=gamma.association, actor_email=OPERATOR, ip_address="10.0.0.8"
    )
    assert (export.status, export.progress, export.step) == ("queued", 0, "queued")
    assert export.association_slug == "gamma-life" and export.schema_name == "a_gamma_life"
    again = association_export_start(association=gamma.association, actor_email=OPERATOR)
    assert again.pk == export.pk
    logged = OperatorAction.objects.get(action="association.export_requested")
    assert logged.after == {"export_id": export.pk} and logged.ip_address == "10.0.0.8"


def test_an_export_whose_association_is_gone_fails_with_its_reason(db, folders):
    export = AssociationExport.objects.create(
        association=None, association_slug="gone", schema_name="a_gone", requested_by=OPERATOR
    )
    export = association_export_build(export_id=export.pk)
    assert export.status == "failed" and export.step == "failed"
    assert "deleted before its export ran" in export.error
    assert not list(Path(folders, "exports").glob("*.tar.gz*"))


def test_usage_counts_members_cases_files_and_last_activity(gamma, beta):
    usage = association_usage(gamma.association)
    assert (usage.members, usage.open_cases, usage.total_cases) == (2, 0, 0)
    assert usage.storage_bytes == len(PDF)
    assert usage.last_activity_at is None
    moment = timezone.now()
    with schema_context(gamma.association.schema_name):
        User.objects.filter(email=gamma.admin_email).update(last_login=moment)
        User.objects.create_user("away@gamma-life.example", PASSWORD, is_active=False)
    usage = association_usage(gamma.association)
    assert usage.members == 2 and usage.last_activity_at == moment
    # Beta's members are its own.
    assert association_usage(beta.association).members == 2


# --- restore refusals --------------------------------------------------------------------------


def archive(tmp_path, *, manifest=None, public=None, schema_sql="", files=None, name="x.tar.gz"):
    manifest = manifest or {
        "format": "mustafid-association-export",
        "format_version": 1,
        "slug": "old",
        "schema_name": "a_old",
    }
    public = public or {
        "association": {"name_ar": "جمعية قديمة", "name_en": "Old Society", "status": "trial"},
        "domains": [],
        "bank_accounts": [],
        "subscription": None,
    }
    members = {
        "manifest.json": json.dumps(manifest).encode(),
        "public.json": json.dumps(public).encode(),
        "schema.sql": schema_sql.encode(),
    } | {f"files/{path}": data for path, data in (files or {}).items()}
    path = Path(tmp_path) / name
    with tarfile.open(path, "w:gz") as tar:
        for member, data in members.items():
            info = tarfile.TarInfo(member)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def nothing_created(before: int, slug: str, folders) -> bool:
    return (
        Association.objects.count() == before
        and not schema_exists("a_" + slug.replace("-", "_"))
        and not Path(folders, "media", "a_" + slug.replace("-", "_")).exists()
    )


def test_restore_refuses_a_bad_archive_and_creates_nothing(db, folders):
    before = Association.objects.count()
    good = archive(folders)
    truncated = Path(folders, "truncated.tar.gz")
    truncated.write_bytes(good.read_bytes()[:60])
    noise = Path(folders, "noise.tar.gz")
    noise.write_bytes(b"not an archive at all")
    plain_gzip = Path(folders, "plain.tar.gz")
    plain_gzip.write_bytes(gzip.compress(b"hello"))
    cases = [
        truncated,
        noise,
        plain_gzip,
        archive(folders, manifest={"format": "something-else"}, name="other.tar.gz"),
        archive(
            folders,
            manifest={"format": "mustafid-association-export", "format_version": 1},
            name="no-schema.tar.gz",
        ),
    ]
    for path in cases:
        with pytest.raises(ValidationError) as refused:
            association_restore(archive=path, slug="restored")
        assert "not a readable Mustafid association export" in refused.value.messages[0], path
    future = archive(
        folders,
        manifest={
            "format": "mustafid-association-export",
            "format_version": 9,
            "slug": "old",
            "schema_name": "a_old",
        },
        name="future.tar.gz",
    )
    with pytest.raises(ValidationError, match="format version 9"):
        association_restore(archive=future, slug="restored")
    assert nothing_created(before, "restored", folders)


@pytest.mark.parametrize("slug", ["beta", "alpha", "Bad_Slug", "ab", "www"])
def test_restore_refuses_a_taken_or_invalid_slug(db, folders, slug):
    before = Association.objects.count()
    with pytest.raises(CommandError, match="slug"):
        call_command("restore_association", archive=str(archive(folders)), slug=slug)
    assert Association.objects.count() == before


def test_a_restore_that_fails_half_way_leaves_nothing_behind(db, folders):
    broken = archive(
        folders,
        schema_sql=(
            "CREATE SCHEMA a_old;\n"
            "CREATE TABLE a_old.numbers (id integer);\n"
            "COPY a_old.numbers (id) FROM stdin;\n1\nnot-a-number\n\\.\n"
        ),
        files={"cases/1/report.pdf": PDF},
    )
    before = Association.objects.count()
    with pytest.raises(Exception, match="not-a-number"):
        association_restore(archive=broken, slug="half-way")
    assert nothing_created(before, "half-way", folders)
    assert not schema_exists("a_old")
    assert not OperatorAction.objects.filter(action="association.restored").exists()


def test_a_file_outside_its_folder_stops_the_restore_and_undoes_the_schema(db, folders):
    escaping = archive(
        folders,
        schema_sql="CREATE SCHEMA a_old;\nCREATE TABLE a_old.numbers (id integer);\n",
        files={"cases/1/report.pdf": PDF, "../../outside.pdf": PDF},
    )
    before = Association.objects.count()
    with pytest.raises(ValidationError, match="not a readable"):
        association_restore(archive=escaping, slug="escaping")
    assert nothing_created(before, "escaping", folders)
    assert not Path(folders, "outside.pdf").exists()


# --- the round trip on the live stack ------------------------------------------------------------

SOURCE, BYSTANDER, COPY = "rt-source", "rt-bystander", "rt-copy"


@pytest.fixture(scope="module")
def exported(live_stack):  # noqa: F811 - the fixture imported above
    """rt-source and rt-bystander seeded on the live stack, rt-source exported by the worker."""
    seed = SEED.format(
        password=PASSWORD,
        pdf=PDF,
        policy=POLICY,
        person=BENEFICIARY,
        associations=[
            (SOURCE, "جمعية المصدر", "Source Society"),
            (BYSTANDER, "جمعية الجار", "Neighbour Society"),
        ],
    )
    seeded = json.loads(shell(live_stack, seed))
    before = {slug: snapshot(live_stack, "a_" + slug.replace("-", "_")) for slug in seeded}
    before["subscription"] = subscription(live_stack, SOURCE)
    export_id = int(
        shell(
            live_stack,
            "from console.lifecycle import association_export_start as start; "
            "from tenants.models import Association; "
            f"print(start(association=Association.objects.get(slug={SOURCE!r}), "
            f"actor_email={OPERATOR!r}).pk)",
        )
    )
    seen: list[tuple[str, int, str]] = []

    def finished():
        [row] = live_stack.sql(
            "SELECT status, progress, step, file, size, error FROM tenants_associationexport "
            "WHERE id = %s",
            [export_id],
        )
        seen.append(row[:3])
        return row if row[0] in ("done", "failed") else None

    # The worker renders the policies' PDFs first (they were queued before the export).
    status, progress, step, file, size, error = live_stack.wait_for(
        "the export to finish", finished, timeout=240
    )
    assert status == "done", error
    return {
        "seeded": seeded,
        "before": before,
        "export_id": export_id,
        "seen": seen,
        "path": local_dir(live_stack) / "exports" / file,
        "progress": progress,
        "step": step,
        "size": size,
    }


def test_the_worker_writes_the_export_with_progress_to_100(live_stack, exported):  # noqa: F811
    assert (exported["progress"], exported["step"]) == (100, "done")
    assert exported["seen"][-1][0] == "done"
    path = exported["path"]
    assert path.is_file() and path.stat().st_size == exported["size"]
    assert path.name.startswith(f"{SOURCE}-") and path.name.endswith(".tar.gz")
    assert "media" not in path.parts  # never where uploaded files are served from

    with tarfile.open(path) as tar:
        names = tar.getnames()
        manifest = json.load(tar.extractfile("manifest.json"))
        public = json.load(tar.extractfile("public.json"))
        dump = tar.extractfile("schema.sql").read().decode()
        document_name = exported["seeded"][SOURCE]["file"]
        document = tar.extractfile(f"files/{document_name}").read()
    assert manifest["format"] == "mustafid-association-export"
    assert manifest["format_version"] == 1
    assert (manifest["slug"], manifest["schema_name"]) == (SOURCE, "a_rt_source")
    assert manifest["counts"]["members"] == 3
    assert manifest["counts"]["cases"] == 2 and manifest["counts"]["policy_versions"] == 1
    assert manifest["mustafid_version"] and manifest["created_at"]
    assert public["association"]["name_ar"] == "جمعية المصدر"
    assert public["domains"][0]["domain"].startswith(f"{SOURCE}.localhost")
    assert public["bank_accounts"][0]["iban"] == "SA0380000000608010167519"
    assert "CREATE TABLE a_rt_source.workflow_case" in dump
    assert "ترميم منزل rt-source" in dump
    assert document == PDF
    assert any(name.startswith("files/") and name.endswith(".pdf") for name in names)
    # Nothing of the other association is in it.
    assert "a_rt_bystander" not in dump and "ترميم منزل rt-bystander" not in dump
    assert not any("bystander" in name for name in names)


def test_export_delete_restore_gives_back_the_same_association(live_stack, exported):  # noqa: F811
    source_schema = "a_rt_source"
    media = local_dir(live_stack) / "media"
    assert (media / source_schema / exported["seeded"][SOURCE]["file"]).is_file()

    shell(
        live_stack,
        "from console.lifecycle import association_delete as delete; "
        "from tenants.models import Association; "
        f"delete(association=Association.objects.get(slug={SOURCE!r}), "
        f"confirm_slug={SOURCE!r}, actor_email={OPERATOR!r}); print('deleted')",
    )
    schemas = {row[0] for row in live_stack.sql("SELECT nspname FROM pg_namespace")}
    assert source_schema not in schemas and "a_rt_bystander" in schemas
    assert not (media / source_schema).exists()
    assert live_stack.http(SOURCE).get("/").status_code == 404
    assert exported["path"].is_file()

    restored = live_stack.manage(
        "restore_association",
        "--archive",
        str(exported["path"]),
        "--slug",
        COPY,
        "--actor-email",
        OPERATOR,
    )
    assert live_stack.url("/", slug=COPY) in restored.stdout

    # The same members (with their passwords), policy versions, cases, events and documents.
    assert snapshot(live_stack, "a_rt_copy") == exported["before"][SOURCE]
    [(name_ar, status)] = live_stack.sql(
        "SELECT name_ar, status FROM tenants_association WHERE slug = %s", [COPY]
    )
    assert (name_ar, status) == ("جمعية المصدر", "trial")
    # The trial goes on where it was; a restore does not start a new one.
    assert exported["before"]["subscription"]
    assert subscription(live_stack, COPY) == exported["before"]["subscription"]
    assert live_stack.sql(
        "SELECT b.iban FROM tenants_bankaccount b JOIN tenants_association a "
        "ON a.id = b.association_id WHERE a.slug = %s",
        [COPY],
    ) == [("SA0380000000608010167519",)]

    # A member signs in on the new address with the password they had, and reads the document.
    member = live_stack.http(COPY)
    token = member.csrf_token("/accounts/login/")
    response = member.post(
        "/accounts/login/",
        data={
            "csrfmiddlewaretoken": token,
            "login": f"staff@{SOURCE}.example",
            "password": PASSWORD,
        },
    )
    assert response.status_code == 302, response.text[-2000:]
    case_id = exported["seeded"][SOURCE]["case"]
    page = member.get(f"/app/cases/{case_id}/")
    assert page.status_code == 200 and "ترميم منزل rt-source" in page.text
    document_id = exported["seeded"][SOURCE]["document"]
    download = member.get(f"/app/cases/{case_id}/documents/{document_id}/")
    assert download.status_code == 200 and download.content == PDF
    policy = live_stack.http(COPY).get("/policy/")
    assert policy.status_code == 200 and "جمعية المصدر" in policy.text

    # The neighbour was untouched throughout, and the new address shows nothing of it.
    assert snapshot(live_stack, "a_rt_bystander") == exported["before"][BYSTANDER]
    assert "ترميم منزل rt-bystander" not in page.text
    assert live_stack.http(BYSTANDER).get("/policy/").status_code == 200

    logged = [
        row[0]
        for row in live_stack.sql(
            "SELECT action FROM console_operatoraction WHERE association_slug IN (%s, %s) "
            "ORDER BY id",
            [SOURCE, COPY],
        )
    ]
    assert logged == ["association.export_requested", "association.deleted", "association.restored"]
