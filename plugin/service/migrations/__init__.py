"""The service schema's migrations, applied in order by :func:`plugin.service.db.migrate`.

Each migration is a function of an Alembic ``Operations`` object (so it works on SQLite and
PostgreSQL alike) and is applied once: the ``schema_version`` table records the last one. Add a
new migration at the end; never edit one that has shipped.
"""

from collections.abc import Callable

from alembic.operations import Operations

from plugin.service.migrations.m0001_initial import upgrade as m0001
from plugin.service.migrations.m0002_job_lease import upgrade as m0002
from plugin.service.migrations.m0003_instrument_definitions import upgrade as m0003
from plugin.service.migrations.m0004_job_cancel import upgrade as m0004
from plugin.service.migrations.m0005_web_sessions import upgrade as m0005

Migration = Callable[[Operations], None]
MIGRATIONS: tuple[Migration, ...] = (m0001, m0002, m0003, m0004, m0005)
