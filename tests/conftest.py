"""Shared fixtures: the bundled sample sources ingested once per session (a template store that
tests copy), a working directory like a user's, and the seed article.

Under pytest-xdist every worker builds its own session fixtures in its own temporary directory,
so nothing here is shared between workers.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import ROOT, copy_store

from checks.engine import Engine

SEED_DIR = ROOT.parent / "shared" / "seed"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Everything under tests/e2e starts whole processes: mark it ``e2e`` (``make test-fast``
    leaves those out)."""
    e2e_dir = Path(__file__).resolve().parent / "e2e"
    for item in items:
        if e2e_dir in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def sample_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled sample sources ingested once into a SQLite file. Do not open it for writing:
    copy it (``copy_store``, or the ``ingested`` fixture)."""
    base = tmp_path_factory.mktemp("sample-template")
    engine = Engine.open(base / "crosscheck.db", ROOT / "sources.yaml")
    try:
        engine.ingest()
    finally:
        engine.close()
    return base / "crosscheck.db"


@pytest.fixture(scope="session")
def sample_engine(sample_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """An engine on a copy of the sample store, shared by the tests of a session (read-only use)."""
    db = copy_store(sample_db, tmp_path_factory.mktemp("samples") / "crosscheck.db")
    engine = Engine.open(db, ROOT / "sources.yaml")
    yield engine
    engine.close()


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """A user's directory: a copy of the default sources.yaml and the sample articles, no store."""
    shutil.copy(ROOT / "sources.yaml", tmp_path / "sources.yaml")
    shutil.copytree(ROOT / "samples", tmp_path / "samples")
    return tmp_path


@pytest.fixture
def ingested(workdir: Path, sample_db: Path) -> Path:
    """``workdir`` after ``crosscheck ingest``: its crosscheck.db is a copy of the sample store."""
    copy_store(sample_db, workdir / "crosscheck.db")
    return workdir


@pytest.fixture(scope="session")
def seed_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """The seed article alone as a source; skipped where ../shared/seed is absent."""
    if not SEED_DIR.is_dir() or not any(SEED_DIR.glob("*.txt")):
        pytest.skip(f"seed article not present at {SEED_DIR}")
    base = tmp_path_factory.mktemp("seed")
    shutil.copytree(SEED_DIR, base / "seed")
    (base / "sources.yaml").write_text(
        "sources:\n  - name: Seed Article\n    kind: files\n    path: seed\n    weight: 1.0\n"
    )
    engine = Engine.open(base / "crosscheck.db", base / "sources.yaml")
    engine.ingest()
    yield engine
    engine.close()
