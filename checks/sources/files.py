"""The ``files`` source kind: local ``.txt``, ``.md`` and ``.html`` articles.

A text file's first non-empty line is its title. An HTML file's article text, title and date are
extracted the same way as a fetched page's.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from checks.claims import clean_text
from checks.errors import SourceError
from checks.extract import extract_html

__all__ = ["MAX_FILE_BYTES", "SUFFIXES", "FileDoc", "read_files"]

SUFFIXES = frozenset({".txt", ".md", ".html", ".htm"})
MAX_FILE_BYTES = 5_000_000

_DATE_IN_NAME = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_MD_HEADING = re.compile(r"^\s*#+\s*")


@dataclass(frozen=True, slots=True)
class FileDoc:
    """One file read: either an article (title, text, date) or the error that stopped it."""

    path: Path
    title: str = ""
    text: str = ""
    published: date | None = None
    error: str | None = None


def _date_from_name(name: str) -> date | None:
    m = _DATE_IN_NAME.search(name)
    if not m:
        return None
    try:
        return date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return None


def _read_one(path: Path) -> FileDoc:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return FileDoc(path, error=f"cannot read {path.name}: {exc.strerror or exc}")
    if len(raw) > MAX_FILE_BYTES:
        return FileDoc(path, error=f"{path.name} is too large ({len(raw):,} bytes)")
    if b"\0" in raw[:8192]:
        return FileDoc(path, error=f"{path.name} is binary, not text")
    text = raw.decode("utf-8", errors="replace")
    if text.count("\ufffd") > max(10, len(text) // 100):
        return FileDoc(path, error=f"{path.name} is not UTF-8 text")
    published = _date_from_name(path.name)
    if path.suffix.lower() in {".html", ".htm"}:
        page = extract_html(text, url=path.resolve().as_uri())
        if not page.text.strip():
            return FileDoc(path, error=f"{path.name} has no article text")
        return FileDoc(path, page.title or path.stem, page.text, page.published or published)
    text = clean_text(text)
    lines = text.split("\n")
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None:
        return FileDoc(path, error=f"{path.name} is empty")
    title = _MD_HEADING.sub("", lines[first]).strip()
    body = "\n".join(lines[first + 1 :]).strip("\n")
    if not body.strip():
        return FileDoc(path, error=f"{path.name} has a title but no text")
    return FileDoc(path, title, body, published)


def read_files(root: Path, *, source: str) -> Iterator[FileDoc]:
    """Every article file under ``root`` (a file or a folder), in a stable order."""
    if not root.exists():
        raise SourceError(f"path {root} does not exist", source=source)
    if root.is_file():
        yield _read_one(root)
        return
    try:
        paths = sorted(p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES)
    except OSError as exc:
        raise SourceError(f"cannot list {root}: {exc.strerror or exc}", source=source) from exc
    for p in paths:
        yield _read_one(p)
