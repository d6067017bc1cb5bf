"""The one-line numbers the attack tests print at the end of the run (SECURITY.md quotes them).

Each attack records what it tried. The line travels with its test's report (so it reaches the
main process when pytest-xdist runs the tests in workers), and the root conftest.py prints the
lines in pytest's terminal summary, so `make test` shows them without `-s`.
"""

from __future__ import annotations

SUMMARY: dict[str, str] = {}
# Lines recorded by the running test, not yet attached to its report.
PENDING: dict[str, str] = {}
USER_PROPERTY = "attack summary"


def record(topic: str, line: str) -> None:
    """One line for the end of the run; a test that runs again replaces its own line."""
    PENDING[topic] = line
