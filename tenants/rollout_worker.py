"""The entry points of a roll-out's worker processes.

They are spawned, not forked: a forked child would inherit the coordinator's open database
connections, and closing them there would end the coordinator's session (and its lock). So
this module imports no model: Django is set up in the new process first.
"""

from __future__ import annotations

import django


def worker_start() -> None:
    django.setup()


def worker_migrate(schema_name: str):
    # Imported after django.setup(): tenants.rollout imports models.
    from tenants.rollout import schema_migrate

    return schema_migrate(schema_name=schema_name)
