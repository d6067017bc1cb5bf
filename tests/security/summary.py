"""The one-line numbers the attack tests print at the end of the run (SECURITY.md quotes them).

Each attack records what it tried; `tests/security/conftest.py` prints the lines in pytest's
terminal summary, so `make test` shows them without `-s`.
"""

from __future__ import annotations

SUMMARY: dict[str, str] = {}


def record(topic: str, line: str) -> None:
    """One line for the end of the run; a test that runs again replaces its own line."""
    SUMMARY[topic] = line
