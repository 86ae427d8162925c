"""Alembic environment: runs on the connection bastion hands over (see db.engine.upgrade)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine

import bastion.db.models  # noqa: F401 - registers the service's tables on Base.metadata
from bastion.db.tables import Base

config = context.config
target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:  # `alembic` run by hand with -x url=...
    url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option(
        "sqlalchemy.url"
    )
    if not url:
        raise SystemExit("pass the database with: alembic -x url=<DATABASE_URL> ...")
    with create_engine(url).connect() as conn:
        _run(conn)
        conn.commit()
