# The live stack (gunicorn, a Celery worker, a database of their own) and its logs on failure,
# and one Chromium for every browser test.
from tests.e2e.chromium import browser  # noqa: F401
from tests.live import live_stack, pytest_runtest_makereport  # noqa: F401
