"""Shared fixtures: two associations (alpha and beta) made once per test session, and clients
on their hosts. Every feature's tests use beta to try to reach alpha's data."""

from __future__ import annotations

import datetime
import os
import secrets

import pytest
from django.contrib.auth import base_user
from django.test import Client
from django_tenants.utils import schema_context
from hypothesis import settings as hypothesis_settings

from accounts.models import User
from common import clock as platform_clock
from tenants.models import Association
from tenants.selectors import association_cache_clear

# One Chromium for every browser test: a session fixture imported by two conftest files would be
# two fixtures, and Playwright's sync API refuses a second instance in the same thread.
from tests.e2e.chromium import browser  # noqa: F401
from tests.helpers import PASSWORD, POLICY, Tenant, api_client, client_for, publish
from tests.live import _live_templates_dropped  # noqa: F401 - the live stacks' template databases
from tests.security import summary as attack_summary

# A failing example is kept in .hypothesis/ (replayed first next time) and printed as a blob
# that @reproduce_failure takes.
hypothesis_settings.register_profile("mustafid", print_blob=True)
hypothesis_settings.load_profile("mustafid")


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    # Every run draws its own examples, from a seed that the header prints (before the plugin
    # of Hypothesis, and so schemathesis, reads it); pytest-xdist's workers take the main
    # process's seed, so the header's command draws again what every worker drew.
    worker_input = getattr(config, "workerinput", None)
    if worker_input is not None:
        config.option.hypothesis_seed = worker_input["hypothesis_seed"]
    elif config.getoption("hypothesis_seed") is None:
        config.option.hypothesis_seed = secrets.randbelow(2**32)
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker:
        # Each worker has its own database, where alpha and beta have the same schema names:
        # their files must not meet in one folder either.
        from django.conf import settings

        settings.MEDIA_ROOT = os.path.join(settings.MEDIA_ROOT, worker)
        settings.EXPORTS_ROOT = os.path.join(settings.EXPORTS_ROOT, worker)


FIRST = {"heavy", "e2e", "integration"}  # markers of long modules
STARTS_PROCESSES = {"live_stack", "browser"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The modules that start servers, browsers or long attacks first, in their own order: the
    two workers take a module at a time, and one of these started last would leave the other
    worker idle at the end of the run."""
    long_modules = {
        item.module
        for item in items
        if FIRST & {mark.name for mark in item.iter_markers()}
        or STARTS_PROCESSES & set(getattr(item, "fixturenames", ()))
    }
    items.sort(key=lambda item: item.module not in long_modules)


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node) -> None:
    node.workerinput["hypothesis_seed"] = node.config.option.hypothesis_seed


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> None:
    # The attack summary's lines recorded by this test travel in its report: under pytest-xdist
    # the test ran in a worker, and the summary is printed by the main process.
    if attack_summary.PENDING:
        item.user_properties.extend(
            (attack_summary.USER_PROPERTY, entry) for entry in attack_summary.PENDING.items()
        )
        attack_summary.PENDING.clear()


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    for name, value in report.user_properties:
        if name == attack_summary.USER_PROPERTY:
            topic, line = value
            attack_summary.SUMMARY[topic] = line


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if attack_summary.SUMMARY:
        terminalreporter.section("attack tests (SECURITY.md)")
        for topic, line in sorted(attack_summary.SUMMARY.items()):
            terminalreporter.write_line(f"{topic}: {line}")


def pytest_report_header(config: pytest.Config) -> str:
    seed = config.getoption("hypothesis_seed")
    return (
        f"hypothesis seed {seed}: make test PYTEST_ARGS='--hypothesis-seed={seed}' draws it again"
    )


def _provision(slug: str, name_ar: str, name_en: str) -> None:
    from accounts.services import user_create
    from workspace.provisioning import association_provision

    if Association.objects.filter(slug=slug).exists():  # --reuse-db
        return
    association, _admin = association_provision(
        slug=slug,
        name_ar=name_ar,
        name_en=name_en,
        admin_email=f"admin@{slug}.example",
        admin_password=PASSWORD,
        admin_name=f"Admin of {slug}",
    )
    with schema_context(association.schema_name):
        user_create(email=f"staff@{slug}.example", password=PASSWORD, role=User.Role.STAFF)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        _provision("alpha", "جمعية ألفا الخيرية", "Alpha Charity")
        _provision("beta", "جمعية بيتا الأهلية", "Beta Society")


def _tenant(slug: str) -> Tenant:
    association = Association.objects.get(slug=slug)
    return Tenant(
        association=association,
        host=f"{slug}.localhost",
        admin_email=f"admin@{slug}.example",
        staff_email=f"staff@{slug}.example",
    )


@pytest.fixture
def alpha(db) -> Tenant:
    return _tenant("alpha")


@pytest.fixture
def beta(db) -> Tenant:
    return _tenant("beta")


@pytest.fixture(autouse=True, scope="session")
def _static_files_indexed_once():
    """WhiteNoise reads every collected file (size, type, compressed variants) when a middleware
    chain is built: a server does it once per process, Django's test client once per Client,
    thousands of times a run (a third of the form fuzz's time). Here too once per process: the
    index is the same, and every request still goes through it."""
    from whitenoise.base import WhiteNoise

    build = WhiteNoise.update_files_dictionary
    indexes: dict[tuple, dict] = {}

    def update_files_dictionary(self, root, prefix):
        key = (root, prefix, self.max_age, self.allow_all_origins, self.charset, self.index_file)
        if key not in indexes:
            before = dict(self.files)
            build(self, root, prefix)
            indexes[key] = {url: f for url, f in self.files.items() if before.get(url) is not f}
        self.files.update(indexes[key])

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(WhiteNoise, "update_files_dictionary", update_files_dictionary)
        yield


@pytest.fixture(autouse=True, scope="session")
def _each_password_hashed_once():
    """Argon2 is slow on purpose (a tenth of a second a hash, and tests make members by the
    hundred): the test process hashes each password once and gives every member made with it
    that hash, one salt for all, which only a test database may have. Signing in still checks
    the password against a real Argon2 hash."""
    original = base_user.make_password
    hashes: dict[str, str] = {}

    def make_password(password, salt=None, hasher="default"):
        if not isinstance(password, str) or salt is not None or hasher != "default":
            return original(password, salt, hasher)
        if password not in hashes:
            hashes[password] = original(password)
        return hashes[password]

    base_user.make_password = make_password
    yield
    base_user.make_password = original


@pytest.fixture(autouse=True, scope="session")
def _same_html_printed_once():
    """WeasyPrint gives the same PDF for the same HTML: a test process prints each document
    once. Tests publish the same policy for the same association at the same stopped clock many
    times (with tasks run inline, each publication prints both languages); every document not
    printed before in this process is printed for real."""
    from publishing import documents

    render = documents.pdf_from_html
    printed: dict[str, bytes] = {}

    def pdf_from_html(html: str) -> bytes:
        if html not in printed:
            printed[html] = render(html)
        return printed[html]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(documents, "pdf_from_html", pdf_from_html)
        yield


@pytest.fixture(autouse=True)
def _fresh_caches():
    # Rolled-back tests must not leave associations, pages or rate counts in the caches: in a
    # real database a version number or an association never comes back after being undone.
    from django.core.cache import cache

    association_cache_clear()
    cache.clear()
    yield
    association_cache_clear()
    cache.clear()


@pytest.fixture
def alpha_policy(alpha):
    return publish(alpha, data=POLICY)


@pytest.fixture
def members(alpha):
    """One member per role in alpha; the referral holder answers for social_researcher."""
    with schema_context(alpha.association.schema_name):
        for role in ("committee", "referral"):
            User.objects.create_user(
                f"{role}@alpha.example",
                PASSWORD,
                role=role,
                referral_roles=["social_researcher"] if role == "referral" else [],
            )
        User.objects.create_user(
            "other-referral@alpha.example",
            PASSWORD,
            role="referral",
            referral_roles=["competent_officer"],
        )
    return {
        "admin": alpha.admin_email,
        "staff": alpha.staff_email,
        "committee": "committee@alpha.example",
        "referral": "referral@alpha.example",
        "other_referral": "other-referral@alpha.example",
    }


@pytest.fixture
def alpha_admin_api(alpha):
    return api_client(alpha, alpha.admin_email)


@pytest.fixture
def admin(alpha):
    return client_for(alpha, email=alpha.admin_email)


@pytest.fixture
def staff(alpha):
    return client_for(alpha, email=alpha.staff_email)


@pytest.fixture
def media(settings, tmp_path):
    """Uploaded files of this test only."""
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


class StoppedClock:
    """common.clock stopped at `at`; a test moves it by setting `at`."""

    def __init__(self, at: datetime.datetime) -> None:
        self.at = at

    def now(self) -> datetime.datetime:
        return self.at


# Mid-hour on a Thursday, midday in Riyadh: far from a rate-limit window's edge and from
# midnight, whenever the suite runs. Tests of the edges set the clock there.
CLOCK_STOPPED_AT = datetime.datetime(2026, 9, 17, 9, 30, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def clock(monkeypatch) -> StoppedClock:
    stopped = StoppedClock(CLOCK_STOPPED_AT)
    monkeypatch.setattr(platform_clock, "now", stopped.now)
    return stopped


@pytest.fixture
def platform_client(db) -> Client:
    return client_for(None)


@pytest.fixture
def tasks_inline(monkeypatch):
    """Tasks enqueued on commit run at once, in-process, in their schema.

    Test transactions never commit; the real worker after a real commit is proven by the live
    stack's tests (tests/live.py).
    """
    from django.db import transaction

    from platform_core.celery import app

    monkeypatch.setattr(transaction, "on_commit", lambda func, using=None, robust=False: func())
    previous = (app.conf.task_always_eager, app.conf.task_eager_propagates)
    app.conf.task_always_eager = app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = previous
