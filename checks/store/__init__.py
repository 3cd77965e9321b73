"""Storage: the :class:`~checks.store.base.Store` protocol and its SQLite and PostgreSQL stores.

``open_store`` picks the implementation a ``--db`` value names; the implementations are imported
only when used, so that opening a SQLite file never loads the PostgreSQL driver.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from checks.store.base import Store

__all__ = ["open_store"]


def open_store(db: str | Path, *, read_only: bool | None = None) -> Store:
    """Open the store a ``--db`` value names: a SQLite file path, or a ``postgresql://`` DSN."""
    from checks.store.postgres import PostgresStore, is_postgres_dsn

    if isinstance(db, str) and is_postgres_dsn(db):
        return PostgresStore(db)
    from checks.store.sqlite import SQLiteStore

    return SQLiteStore(db, read_only=read_only)
