"""Copy a store into another (SQLite ⇄ PostgreSQL), keeping ids, and verify row by row.

Re-running is safe: rows already present in the destination are left alone, so an interrupted
copy is finished by running it again. A destination that holds *other* rows under the same ids
(another community's store, say) is refused before anything is written, never merged. A store is
never copied onto itself, however its name is spelled (``./a.db``, a link to it, another DSN for
the same database and schema).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from checks.errors import StoreError
from checks.store.base import Store
from checks.store.sql import COPY_TABLES, SQLStore, table_key

__all__ = ["CopyReport", "copy_store"]


@dataclass
class CopyReport:
    """Per table: rows in the source, rows added, rows in the destination."""

    tables: dict[str, tuple[int, int, int]] = field(default_factory=dict)  # src, new, dst
    differing: dict[str, int] = field(default_factory=dict)  # rows whose key holds other data

    @property
    def mismatched(self) -> list[str]:
        """Tables whose copy is short or holds other rows under the same keys."""
        out = [t for t, (src, _new, dst) in self.tables.items() if dst < src]
        out += [f"{t} ({n} row(s) differ)" for t, n in self.differing.items() if n]
        return out


def _same(a: dict[str, Any], b: dict[str, Any]) -> bool:
    def norm(v: Any) -> Any:
        return None if v is None else (float(v) if isinstance(v, int | float) else str(v))

    return all(norm(a[k]) == norm(b.get(k)) for k in a)


def _identity(store: SQLStore) -> tuple[Any, ...]:
    """What makes two open stores the same one, whatever their names."""
    path = getattr(store, "path", "")
    schema = getattr(store, "schema", None)
    if schema is None:  # a SQLite file: the same file, also through links
        try:
            st = os.stat(path)
        except OSError:
            return ("file", os.path.realpath(path))
        return ("file", st.st_dev, st.st_ino)
    # PostgreSQL: the same server (started at the same moment, on the same port), database and
    # schema. Read through each store's own connection: DSNs name one server in many ways
    # (localhost, 127.0.0.1, ::1, a socket), so its address is left out.
    row = store._read(
        "SELECT current_database() AS db, current_setting('port') AS port, "
        "pg_postmaster_start_time()::text AS started"
    )[0]
    return ("postgresql", row["db"], row["port"], row["started"], schema)


def _conflicts(source: SQLStore, target: SQLStore, batch: int) -> dict[str, int]:
    """Per table, the rows whose id the destination already holds with other data."""
    found: dict[str, int] = {}
    for table in COPY_TABLES:
        key = table_key(table)
        if key != ("id",) or not target.table_count(table):
            continue  # rows keyed by name may have moved on since an earlier copy
        n = 0
        for rows in source.export_rows(table, batch=batch):
            there = {r["id"]: r for r in target.rows_by_key(table, rows)}
            n += sum(1 for r in rows if r["id"] in there and not _same(r, there[r["id"]]))
        if n:
            found[table] = n
    return found


def copy_store(
    source: Store,
    target: Store,
    *,
    progress: Callable[[str, int, int], None] | None = None,
    batch: int = 1000,
) -> CopyReport:
    """Copy every table, then check each copied row is in the destination unchanged.

    Refused, before anything is written, when both are the same store or when the destination
    holds other rows under ids the copy would use."""
    if not isinstance(source, SQLStore) or not isinstance(target, SQLStore):
        raise StoreError("only SQL stores can be copied")
    if _identity(source) == _identity(target):
        raise StoreError(f"{source.path} and {target.path} are the same store: nothing to copy")
    conflicts = _conflicts(source, target, batch)
    if conflicts:
        detail = ", ".join(f"{t}: {n:,}" for t, n in conflicts.items())
        raise StoreError(
            f"{target.path} already holds other rows under the same ids ({detail}); "
            "nothing was copied (copy into an empty store instead)"
        )
    report = CopyReport()
    for table in COPY_TABLES:
        total = source.table_count(table)
        done = added = differing = 0
        if progress:
            progress(table, 0, total)
        key = table_key(table)
        for rows in source.export_rows(table, batch=batch):
            added += target.import_rows(table, rows)
            there = {tuple(r[k] for k in key): r for r in target.rows_by_key(table, rows)}
            # records (by id) must match exactly; settings and caches keyed by name may have
            # moved on in the destination since an earlier copy, but must be there
            differing += sum(
                1
                for r in rows
                if (k := tuple(r[c] for c in key)) not in there
                or (key == ("id",) and not _same(r, there[k]))
            )
            done += len(rows)
            if progress:
                progress(table, done, total)
        report.tables[table] = (total, added, target.table_count(table))
        report.differing[table] = differing
    return report
