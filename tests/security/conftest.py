"""The attack tests' fixtures, and the numbers they print at the end of the run."""

from __future__ import annotations

import pytest

from tests.live import live_stack, pytest_runtest_makereport  # noqa: F401
from tests.security.summary import SUMMARY
from tests.security.world import world  # noqa: F401


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if SUMMARY:
        terminalreporter.section("attack tests (SECURITY.md)")
        for topic, line in sorted(SUMMARY.items()):
            terminalreporter.write_line(f"{topic}: {line}")
