# The live stack (real gunicorn and Celery worker) and its log hook, for the worker tests here.
from tests.live import live_stack, pytest_runtest_makereport  # noqa: F401
