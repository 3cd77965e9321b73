"""Copy a store into another (SQLite ⇄ PostgreSQL), keeping ids, and verify row by row.

Re-running is safe: rows already present in the destination are left alone, so an interrupted
copy is finished by running it again. A destination that holds *other* rows under the same keys
(another community's store, say) is reported, never silently merged.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from checks.errors import StoreError
from checks.store.base import Store
from checks.store.sql import COPY_TABLES, SQLStore, table_key

__all__ = ["CopyReport", "copy_store"]


@dataclass
class CopyReport:
    tables: dict[str, tuple[int, int, int]] = field(default_factory=dict)  # src, new, dst
    differing: dict[str, int] = field(default_factory=dict)  # rows whose key holds other data

    @property
    def mismatched(self) -> list[str]:
        out = [t for t, (src, _new, dst) in self.tables.items() if dst < src]
        out += [f"{t} ({n} row(s) differ)" for t, n in self.differing.items() if n]
        return out


def _same(a: dict[str, Any], b: dict[str, Any]) -> bool:
    def norm(v: Any) -> Any:
        return None if v is None else (float(v) if isinstance(v, int | float) else str(v))

    return all(norm(a[k]) == norm(b.get(k)) for k in a)


def copy_store(
    source: Store,
    target: Store,
    *,
    progress: Callable[[str, int, int], None] | None = None,
    batch: int = 1000,
) -> CopyReport:
    """Copy every table, then check each copied row is in the destination unchanged."""
    if not isinstance(source, SQLStore) or not isinstance(target, SQLStore):
        raise StoreError("only SQL stores can be copied")
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
