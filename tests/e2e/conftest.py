# The live stack (gunicorn, a Celery worker, a database of their own) and its logs on failure,
# (Chromium, one for the whole run, is in tests/conftest.py.)
from tests.live import live_stack, pytest_runtest_makereport  # noqa: F401
