"""Copy a store into another (SQLite ⇄ PostgreSQL), keeping ids, and verify the counts.

Re-running is safe: rows already present in the destination are left alone, so an interrupted
copy is finished by running it again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from checks.errors import StoreError
from checks.store.base import Store
from checks.store.sql import COPY_TABLES, SQLStore

__all__ = ["CopyReport", "copy_store"]


@dataclass
class CopyReport:
    tables: dict[str, tuple[int, int, int]] = field(default_factory=dict)  # src, new, dst

    @property
    def mismatched(self) -> list[str]:
        return [t for t, (src, _new, dst) in self.tables.items() if dst < src]


def copy_store(
    source: Store,
    target: Store,
    *,
    progress: Callable[[str, int, int], None] | None = None,
    batch: int = 1000,
) -> CopyReport:
    """Copy every table; the destination ends with at least every source row."""
    if not isinstance(source, SQLStore) or not isinstance(target, SQLStore):
        raise StoreError("only SQL stores can be copied")
    report = CopyReport()
    for table in COPY_TABLES:
        total = source.table_count(table)
        done = added = 0
        if progress:
            progress(table, 0, total)
        for rows in source.export_rows(table, batch=batch):
            added += target.import_rows(table, rows)
            done += len(rows)
            if progress:
                progress(table, done, total)
        report.tables[table] = (total, added, target.table_count(table))
    return report
