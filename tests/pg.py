"""The PostgreSQL server the scale-out tests talk to, and a fresh schema per test.

Import it like ``tests/loopback.py`` (``from pg import pg_dsn, requires_pg``, tests/ being on
``sys.path``)::

    @requires_pg
    def test_something(pg_schema_dsn: str) -> None: ...  # (a fixture a module builds on new_dsn)

The server is ``$CROSSCHECK_TEST_PG`` or ``postgresql://postgres@127.0.0.1:5432/test`` (trust
auth). It is probed once per session with a short connect; tests that need it are skipped, with
the reason, when it cannot be reached. Every test gets its own schema, ``cc_test_<hex>``, through
the ``?schema=`` parameter Crosscheck's DSNs understand, and drops it afterwards.
"""

from __future__ import annotations

import functools
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

__all__ = [
    "PG_BASE",
    "drop_schema",
    "new_dsn",
    "pg_available",
    "pg_dsn",
    "pg_schema",
    "requires_pg",
]

PG_BASE = os.environ.get("CROSSCHECK_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")


@functools.cache
def _probe() -> str | None:
    """None when the server answers; else why not (one line)."""
    try:
        import psycopg
    except ImportError as exc:  # pragma: no cover - psycopg is a dependency
        return f"psycopg is not installed ({exc})"
    try:
        with psycopg.connect(PG_BASE, connect_timeout=2) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        return f"no PostgreSQL server reachable at {PG_BASE} ({first})"
    return None


def pg_available() -> bool:
    return _probe() is None


def pg_dsn() -> str:
    """The server's DSN; skips the calling test when no server is reachable."""
    reason = _probe()
    if reason is not None:
        pytest.skip(reason)
    return PG_BASE


def new_dsn(prefix: str = "cc_test") -> str:
    """A DSN naming a fresh schema (created on first open, by the store itself)."""
    base = pg_dsn()
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}schema={prefix}_{uuid.uuid4().hex[:12]}"


def drop_schema(dsn: str) -> None:
    """Drop the schema a DSN names (if it exists), without opening a store on it."""
    import psycopg

    from checks.store.postgres import split_schema

    conninfo, schema = split_schema(dsn)
    if not schema or schema == "public":
        raise ValueError(f"refusing to drop schema {schema!r}")
    with psycopg.connect(conninfo, connect_timeout=5, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@contextmanager
def pg_schema(prefix: str = "cc_test") -> Iterator[str]:
    """A fresh schema's DSN for the block; dropped at the end whatever happened."""
    dsn = new_dsn(prefix)
    try:
        yield dsn
    finally:
        drop_schema(dsn)


#: Skips a test (or, as ``pytestmark``, a module) when the server cannot be reached, saying why.
#: The probe runs once, when this module is imported (at collection), with a 2-second timeout.
requires_pg = pytest.mark.skipif(_probe() is not None, reason=_probe() or "")
