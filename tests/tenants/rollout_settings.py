"""The product's settings with one migration more (tests/tenants/rollout_probe), for the
processes that the roll-out's tests and bench/rollout.py start."""

from platform_core.settings import *  # noqa: F403

MIGRATION_MODULES = {"workflow": "tests.tenants.rollout_probe"}
