"""The attack tests' fixtures."""

from __future__ import annotations

from tests.live import live_stack, pytest_runtest_makereport  # noqa: F401
from tests.security.world import world  # noqa: F401
