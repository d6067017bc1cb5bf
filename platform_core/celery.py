"""The worker's and beat's entry point: `celery -A platform_core.celery worker`.

The app itself is declared in the tenancy layer (tenants.tasking), where every app's tasks
can reach it without importing the project package."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "platform_core.settings")

from tenants.tasking import app  # noqa: E402 - the settings module must be named first

__all__ = ["app"]
