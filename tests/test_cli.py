"""The `crosscheck` command as a user runs it: real files, output and exit codes.

Most tests run the command in-process (``helpers.invoke``); the ``e2e`` ones start a real
process, for what only a process shows (the console script's start, a traceback-free exit).
The stores are copies of one ingested template (conftest ``ingested``).
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import child_env, invoke, run_cli


def _claims(db: Path) -> int:
    with sqlite3.connect(db) as con:
        return con.execute("SELECT count(*) FROM claims").fetchone()[0]


def test_ingest_twice_stores_nothing_new(workdir: Path) -> None:
    first = invoke("ingest", cwd=workdir)
    assert first.returncode == 0, first.stderr
    n = _claims(workdir / "crosscheck.db")
    assert n > 0
    second = invoke("ingest", cwd=workdir)
    assert second.returncode == 0
    assert "Stored 0 new article(s) and 0 claim(s)" in second.stdout
    assert _claims(workdir / "crosscheck.db") == n


def test_check_prints_verdict_notes_and_citation(ingested: Path) -> None:
    r = invoke("check", "The UK plans to send 25,000 troops to Ukraine", cwd=ingested)
    assert r.returncode == 0, r.stderr
    assert "Disputed" in r.stdout
    assert "the claim says 25,000 troops; the source says 10,000 troops" in r.stdout
    assert "Conflicts: Sample Wire (says 10,000 troops)" in r.stdout
    assert "Sample Wire" in r.stdout and "file://" in r.stdout


def test_check_json_is_the_documented_shape(ingested: Path) -> None:
    r = invoke("check", "--json", "Britain may put 10,000 troops in Ukraine", cwd=ingested)
    assert r.returncode == 0, r.stderr
    answer = json.loads(r.stdout)
    assert answer["verdict"] == "supported"
    assert answer["matches"][0]["citation"]["source"] in {"Sample Wire", "Example Gazette"}


def test_check_file_answers_one_json_line_per_claim_in_order(ingested: Path) -> None:
    claims = [
        "The moon landing was staged",
        "Britain may put 10,000 troops in Ukraine",
        "",
        "The UK plans to send 25,000 troops to Ukraine",
    ]
    (ingested / "claims.txt").write_text("\n".join(claims) + "\n")
    r = invoke("check", "--file", "claims.txt", cwd=ingested)
    assert r.returncode == 0, r.stderr
    answers = [json.loads(line) for line in r.stdout.splitlines()]
    assert [a["claim"] for a in answers] == claims
    assert [a["verdict"] for a in answers] == ["unverified", "supported", None, "disputed"]
    assert "empty" in answers[2]["error"]


def test_check_file_reads_stdin(ingested: Path) -> None:
    r = invoke("check", "--file", "-", cwd=ingested, stdin="The moon landing was staged\n")
    assert r.returncode == 0
    assert json.loads(r.stdout)["verdict"] == "unverified"


def test_sources_lists_kind_weight_counts_and_last_ingest(ingested: Path) -> None:
    r = invoke("sources", cwd=ingested)
    assert r.returncode == 0, r.stderr
    line = next(ln for ln in r.stdout.splitlines() if "Daily Example" in ln)
    assert "files" in line and "0.3" in line and "ok" in line


def test_db_and_sources_options_and_environment(workdir: Path) -> None:
    (workdir / "conf").mkdir()
    shutil.move(workdir / "sources.yaml", workdir / "conf" / "mine.yaml")
    shutil.move(workdir / "samples", workdir / "conf" / "samples")  # paths are relative to it
    r = invoke("--db", "other.db", "--sources", "conf/mine.yaml", "ingest", cwd=workdir)
    assert r.returncode == 0, r.stderr
    assert (workdir / "other.db").exists() and not (workdir / "crosscheck.db").exists()


@pytest.mark.parametrize(
    ("claim", "message"),
    [
        ("", "the claim is empty"),
        ("   \u200b\u200b  ", "the claim is empty"),
        ("x" * 100_000, "too long"),
        ("12345 !!! 678", "no words"),
    ],
)
def test_bad_claims_get_one_clear_line_and_exit_1(ingested: Path, claim: str, message: str) -> None:
    r = invoke("check", claim, cwd=ingested)
    assert r.returncode == 1
    assert message in r.stderr
    assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_control_and_zero_width_characters_are_cleaned(ingested: Path) -> None:
    noisy = "Britain\u200b may put 10,000\x07 troops in Ukraine\x1b"
    r = invoke("check", "--json", noisy, cwd=ingested)
    assert r.returncode == 0, r.stderr
    answer = json.loads(r.stdout)
    assert answer["claim"] == "Britain may put 10,000 troops in Ukraine"
    assert answer["verdict"] == "supported"


def test_check_needs_a_claim_or_a_file(ingested: Path) -> None:
    r = invoke("check", cwd=ingested)
    assert r.returncode == 2
    assert "give a claim or --file" in r.stderr


def test_missing_sources_file_names_it(tmp_path: Path) -> None:
    r = invoke("--sources", "nope.yaml", "ingest", cwd=tmp_path)
    assert r.returncode == 1
    assert "nope.yaml: file not found" in r.stderr


def test_malformed_sources_yaml_names_file_line_and_field(workdir: Path) -> None:
    (workdir / "sources.yaml").write_text(
        "sources:\n  - name: A\n    kind: files\n    path: samples\n    weight: heavy\n"
    )
    r = invoke("ingest", cwd=workdir)
    assert r.returncode == 1
    assert "sources.yaml:5: sources[0].weight" in r.stderr
    (workdir / "sources.yaml").write_text("sources:\n  - name: [unclosed\n")
    r = invoke("ingest", cwd=workdir)
    assert r.returncode == 1
    assert "sources.yaml:3" in r.stderr and "invalid YAML" in r.stderr


def test_unreadable_source_file_is_reported_and_others_are_stored(workdir: Path) -> None:
    (workdir / "samples" / "sample-wire" / "broken.txt").write_bytes(b"\x00\x01binary\xff" * 50)
    r = invoke("ingest", cwd=workdir)
    assert r.returncode == 0, r.stderr
    assert "broken.txt is binary" in r.stdout
    assert _claims(workdir / "crosscheck.db") > 0
    s = invoke("sources", cwd=workdir)
    assert "broken.txt is binary" in s.stdout


def test_corrupt_store_is_one_line_and_left_untouched(workdir: Path) -> None:
    junk = os.urandom(4096)
    (workdir / "crosscheck.db").write_bytes(junk)
    for args in (["ingest"], ["check", "Britain may put 10,000 troops in Ukraine"], ["sources"]):
        r = invoke(*args, cwd=workdir)
        assert r.returncode == 1
        assert "not a Crosscheck store or is corrupt" in r.stderr
        assert "Traceback" not in r.stderr
    assert (workdir / "crosscheck.db").read_bytes() == junk


def _make_read_only(path: Path) -> None:
    """Read-only even for root: the immutable attribute where we are root, else file modes."""
    if os.geteuid() == 0:
        if not shutil.which("chattr"):
            pytest.skip("running as root without chattr: cannot make a file read-only for root")
        subprocess.run(["chattr", "+i", str(path)], check=True)
    else:
        os.chmod(path, 0o444)


def _make_writable(path: Path) -> None:
    if os.geteuid() == 0:
        subprocess.run(["chattr", "-i", str(path)], check=True)
    os.chmod(path, 0o644)


def test_read_only_store_still_answers_and_refuses_ingest(ingested: Path) -> None:
    """A store the user cannot write: checks work, ingest says why it cannot, nothing is lost."""
    db = ingested / "crosscheck.db"
    with sqlite3.connect(db) as con:  # fold the WAL in, as a cleanly closed store would be
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    (ingested / "samples" / "sample-wire" / "new.txt").write_text(
        "A New Article\n\nThis article was added after the store became read-only today.\n"
    )
    before = _claims(db)
    _make_read_only(db)
    try:
        r = invoke("check", "--json", "Britain may put 10,000 troops in Ukraine", cwd=ingested)
        assert r.returncode == 0, r.stderr
        assert json.loads(r.stdout)["verdict"] == "supported"
        r = invoke("ingest", cwd=ingested)
        assert r.returncode == 1
        assert "read-only" in r.stderr and "Traceback" not in r.stderr
    finally:
        _make_writable(db)
    assert _claims(db) == before


def test_help_explains_the_commands(tmp_path: Path) -> None:
    r = invoke("--help", cwd=tmp_path)
    assert r.returncode == 0
    for word in ("ingest", "check", "sources", "--db", "--sources"):
        assert word in r.stdout


# ---------------------------------------------------------------------------- real processes


@pytest.mark.e2e
def test_a_real_process_answers_and_exits_1_on_bad_input(ingested: Path) -> None:
    r = run_cli("check", "The UK plans to send 25,000 troops to Ukraine", cwd=ingested)
    assert r.returncode == 0, r.stderr
    assert "Disputed" in r.stdout and "Sample Wire" in r.stdout
    r = run_cli("check", "   ", cwd=ingested)
    assert r.returncode == 1
    assert "the claim is empty" in r.stderr
    assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1


@pytest.mark.e2e
def test_a_real_process_leaves_a_corrupt_store_untouched(workdir: Path) -> None:
    junk = os.urandom(4096)
    (workdir / "crosscheck.db").write_bytes(junk)
    r = run_cli("check", "Britain may put 10,000 troops in Ukraine", cwd=workdir)
    assert r.returncode == 1
    assert "not a Crosscheck store or is corrupt" in r.stderr and "Traceback" not in r.stderr
    assert (workdir / "crosscheck.db").read_bytes() == junk


# ---------------------------------------------------------------------------- start-up

# Modules a command must not load unless it uses them: Discord and the web server, feed and page
# parsing, PostgreSQL; and for a bare `import bot.cli`, the engine and its HTTP client too.
_SERVICE_MODULES = ("aiohttp", "discord", "trafilatura", "feedparser", "extruct", "psycopg")
_ENGINE_MODULES = ("checks.engine", "httpx", "numpy", "rich", "pydantic_settings")


def _modules_after(code: str, cwd: Path) -> set[str]:
    """The modules a fresh interpreter holds after running ``code``."""
    probe = code + "\nimport sys\nprint('\\n'.join(sorted(sys.modules)), file=sys.__stderr__)\n"
    r = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=cwd,
        env=child_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "Traceback" not in r.stderr, r.stderr
    return {m for m in r.stderr.splitlines() if m}


def _loaded(modules: set[str], names: tuple[str, ...]) -> list[str]:
    return [n for n in names if n in modules or any(m.startswith(n + ".") for m in modules)]


def test_importing_the_cli_loads_neither_the_engine_nor_the_service_stack(tmp_path: Path) -> None:
    modules = _modules_after("import bot.cli", tmp_path)
    assert "bot.cli" in modules and "typer" in modules
    assert _loaded(modules, _SERVICE_MODULES + _ENGINE_MODULES) == []


@pytest.mark.e2e  # a whole check in a fresh interpreter: the parser and embedder load there
def test_checking_a_claim_loads_nothing_of_the_service_stack(ingested: Path) -> None:
    code = (
        "from bot.cli import app\n"
        "try:\n"
        f"    app(['check', '--json', {'Britain may put 10,000 troops in Ukraine'!r}])\n"
        "except SystemExit as exc:\n"
        "    assert not exc.code, exc.code\n"
    )
    modules = _modules_after(code, ingested)
    assert "checks.engine" in modules  # it did check
    # (httpx is not listed: the check itself needs no HTTP client, but spaCy, which parses the
    # claim, imports its own command line and that imports httpx)
    assert _loaded(modules, _SERVICE_MODULES) == []
