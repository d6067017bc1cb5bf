"""workflow's migrations plus one that does not ship: a column and an index on the cases table.

tests/tenants/rollout_settings.py points MIGRATION_MODULES["workflow"] here; the package's path
is workflow/migrations/ and this folder, so Django's loader finds the real migrations and the
probe. Used by the roll-out's tests and by bench/rollout.py.
"""

from pathlib import Path

import workflow.migrations

__path__ = [*workflow.migrations.__path__, str(Path(__file__).parent)]
