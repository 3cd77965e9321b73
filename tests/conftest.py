"""Shared fixtures: a store ingested from the bundled sample sources, and the seed article."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from checks.engine import Engine

ROOT = Path(__file__).resolve().parent.parent
SEED_DIR = ROOT.parent / "shared" / "seed"


@pytest.fixture(scope="session")
def sample_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """The bundled sample sources, ingested once into a real SQLite file."""
    db = tmp_path_factory.mktemp("samples") / "crosscheck.db"
    engine = Engine.open(db, ROOT / "sources.yaml")
    engine.ingest()
    yield engine
    engine.close()


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
