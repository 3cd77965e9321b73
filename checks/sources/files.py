"""The ``files`` source kind: local ``.txt``, ``.md`` and ``.html`` articles.

A text file's first non-empty line is its title. An HTML file's article text, title and date are
extracted the same way as a fetched page's.

What is read, and what is refused:

- the source's path may be one article file (it must have one of :data:`SUFFIXES`) or a folder,
  searched recursively for files with those suffixes; anything else (a device, a FIFO) is refused;
- each file must be a regular file of at most :data:`MAX_FILE_BYTES`, checked before it is read;
  a file that fails is one recorded error and the others are still read;
- a symbolic link to a file is followed only when its target lies inside the source's folder;
  linked folders are not walked into;
- file names in error messages are cleaned of control and bidi characters.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from checks.claims import clean_text
from checks.errors import SourceError
from checks.extract import extract_html
from checks.safe_read import FileRefused, read_regular_file
from checks.text_safety import safe_text

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
    name = safe_text(path.name)
    try:
        raw = read_regular_file(path, limit=MAX_FILE_BYTES)
    except FileRefused as exc:
        return FileDoc(path, error=f"{name} {exc.reason}")
    if b"\0" in raw[:8192]:
        return FileDoc(path, error=f"{name} is binary, not text")
    text = raw.decode("utf-8", errors="replace")
    if text.count("\ufffd") > max(10, len(text) // 100):
        return FileDoc(path, error=f"{name} is not UTF-8 text")
    published = _date_from_name(path.name)
    if path.suffix.lower() in {".html", ".htm"}:
        page = extract_html(text, url=path.resolve().as_uri())
        if not page.text.strip():
            return FileDoc(path, error=f"{name} has no article text")
        return FileDoc(path, page.title or path.stem, page.text, page.published or published)
    text = clean_text(text)
    lines = text.split("\n")
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None:
        return FileDoc(path, error=f"{name} is empty")
    title = _MD_HEADING.sub("", lines[first]).strip()
    body = "\n".join(lines[first + 1 :]).strip("\n")
    if not body.strip():
        return FileDoc(path, error=f"{name} has a title but no text")
    return FileDoc(path, title, body, published)


def _article_files(root: Path, source: str) -> tuple[list[Path], list[FileDoc]]:
    """Files under ``root`` with an article suffix (not following linked folders), and an
    error for each folder below it that could not be listed."""
    found: list[Path] = []
    problems: list[OSError] = []
    for folder, _dirs, names in os.walk(root, onerror=problems.append, followlinks=False):
        found += [Path(folder, n) for n in names if Path(n).suffix.lower() in SUFFIXES]
    errors = []
    for exc in problems:
        where = Path(exc.filename or root)
        why = exc.strerror or str(exc)
        if where == root:
            raise SourceError(f"cannot list {safe_text(str(root))}: {why}", source=source) from exc
        errors.append(FileDoc(where, error=f"cannot list {safe_text(where.name)}: {why}"))
    return sorted(found), errors


def read_files(root: Path, *, source: str) -> Iterator[FileDoc]:
    """Every article file under ``root`` (a file or a folder), in a stable order."""
    shown = safe_text(str(root))
    try:
        st = root.stat()
    except FileNotFoundError:
        raise SourceError(f"path {shown} does not exist", source=source) from None
    except OSError as exc:
        raise SourceError(f"cannot read {shown}: {exc.strerror or exc}", source=source) from exc
    if stat.S_ISREG(st.st_mode):
        if root.suffix.lower() not in SUFFIXES:
            raise SourceError(
                f"{safe_text(root.name)} is not a .txt, .md or .html file", source=source
            )
        yield _read_one(root)
        return
    if not stat.S_ISDIR(st.st_mode):
        raise SourceError(f"path {shown} is not a regular file or folder", source=source)
    inside = root.resolve()
    paths, errors = _article_files(root, source)
    yield from errors
    for p in paths:
        if p.is_symlink() and not p.resolve().is_relative_to(inside):
            yield FileDoc(p, error=f"{safe_text(p.name)} links outside the source folder")
            continue
        yield _read_one(p)
