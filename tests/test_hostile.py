"""Hostile input and operator mistakes (issue 13): each test runs the attack first.

Commands run as real processes under a memory limit (``RLIMIT_AS``, 1 GiB) and a CPU-time limit
(``RLIMIT_CPU``), so a blow-up shows as a failure here rather than as a slow machine; the wall
clock only guards against a hang and is generous, since the machine may be busy.
"""

from __future__ import annotations

import hashlib
import os
import resource
import shutil
import socket
import sqlite3
import stat
import subprocess
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from helpers import child_env, invoke, run_cli
from pg import pg_schema, requires_pg

from checks.engine import Engine, open_store
from checks.errors import ConfigError, SourceError, StoreError
from checks.sources.config import FilesSource, load_sources
from checks.sources.files import read_files
from checks.store.sqlite import SQLiteStore
from checks.text_safety import safe_text

ROOT = Path(__file__).resolve().parent.parent
MEMORY_LIMIT = 1 << 30  # bytes of address space for each command run here
CPU_SECONDS = 30  # CPU time, not wall time: a loaded machine does not make it fail
SETPRIV = shutil.which("setpriv") or "setpriv"
needs_permissions = pytest.mark.skipif(
    os.geteuid() == 0 and not shutil.which("setpriv"),
    reason="running as root without setpriv: file permissions cannot be made to apply",
)

ARTICLE = """Bridge Reopens After Long Repairs

The old bridge over the river reopened to traffic on Monday after two years of repairs.
The repairs cost $40 million and were paid for by the regional government, officials said.
"""
HOSTILE = ("\x1b", "\x07", "\x9b", "\u202e", "\u2066")


def cli(
    *args: str, cwd: Path, unprivileged: bool = False, timeout: float = 180
) -> subprocess.CompletedProcess[str]:
    """``crosscheck ARGS`` in ``cwd`` under the memory and CPU limits.

    ``unprivileged``: when the tests run as root, the command runs without root's capabilities,
    so file and folder permissions apply to it as to any user."""
    env = child_env()
    env["PYTHONDONTWRITEBYTECODE"] = "1"

    def limits() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
        resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS))

    prefix: list[str] = []
    if unprivileged and os.geteuid() == 0:
        prefix = [SETPRIV, "--bounding-set=-all", "--inh-caps=-all", "--"]
    return run_cli(*args, cwd=cwd, env=env, timeout=timeout, prefix=prefix, preexec_fn=limits)


def one_error(r: subprocess.CompletedProcess[str]) -> str:
    """The single stderr line of a failed command."""
    assert r.returncode > 0, (r.returncode, r.stderr[-3000:])
    assert "Traceback" not in r.stderr, r.stderr[-3000:]
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, r.stderr[-3000:]
    return lines[0]


def sources_yaml(folder: Path, body: str) -> Path:
    p = folder / "sources.yaml"
    p.write_text("sources:\n" + body, encoding="utf-8")
    return p


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ----------------------------------------------------------------------- 1. YAML bombs


def _alias_bomb() -> str:
    lines = ['a0: &a0 ["x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    for i in range(1, 10):
        lines.append(f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]")
    return "\n".join(lines) + "\nsources: *a9\n"


@pytest.mark.e2e
@pytest.mark.parametrize("command", [("config", "check"), ("ingest",), ("check", "a claim")])
def test_a_yaml_alias_bomb_is_one_line_within_bounded_memory(
    tmp_path: Path, command: tuple[str, ...]
) -> None:
    bomb = _alias_bomb()
    assert len(bomb) < 1000  # 9^10 nodes once expanded
    (tmp_path / "sources.yaml").write_text(bomb)
    line = one_error(cli(*command, cwd=tmp_path))
    assert "sources.yaml" in line and "alias" in line


@pytest.mark.e2e
@pytest.mark.parametrize("depth", [200, 5000])
def test_deeply_nested_yaml_is_one_line(tmp_path: Path, depth: int) -> None:
    (tmp_path / "sources.yaml").write_text("sources: " + "[" * depth + "]" * depth + "\n")
    line = one_error(cli("config", "check", cwd=tmp_path))
    assert "sources.yaml:1:" in line and "nest" in line


def test_nesting_through_aliases_is_bounded_too(tmp_path: Path) -> None:
    def nest(inner: str, levels: int) -> str:
        return "[" * levels + inner + "]" * levels

    (tmp_path / "sources.yaml").write_text(  # each line is 33 levels deep, spelled out 72
        f"sources:\n  - &a {nest('x', 30)}\n  - &b {nest('*a', 20)}\n  - {nest('*b', 20)}\n"
    )
    with pytest.raises(ConfigError, match="nested too deeply through aliases"):
        load_sources(tmp_path / "sources.yaml")


def test_a_recursive_alias_is_refused(tmp_path: Path) -> None:
    p = tmp_path / "sources.yaml"
    p.write_text("sources: &a [*a]\n")
    with pytest.raises(ConfigError, match="alias"):
        load_sources(p)


def test_a_complex_mapping_key_is_one_line(tmp_path: Path) -> None:
    p = tmp_path / "sources.yaml"
    p.write_text("? [a, b]\n: 1\n")
    with pytest.raises(ConfigError):
        load_sources(p)


def test_modest_anchors_and_merge_keys_still_load(tmp_path: Path) -> None:
    p = sources_yaml(
        tmp_path,
        "  - &wire {name: Wire, kind: files, path: a, weight: 0.5}\n"
        "  - <<: *wire\n"
        "    name: Wire Two\n"
        "    path: b\n",
    )
    first, second = load_sources(p).sources
    assert (first.weight, second.name, second.weight) == (0.5, "Wire Two", 0.5)


# ----------------------------------------------------------------------- 2. unbounded reads


@pytest.mark.e2e
def test_a_huge_sparse_sources_file_is_refused_without_reading_it(tmp_path: Path) -> None:
    with open(tmp_path / "sources.yaml", "wb") as f:
        f.truncate(2 << 30)
    line = one_error(cli("config", "check", cwd=tmp_path))
    assert "too large" in line


@pytest.mark.e2e
@pytest.mark.parametrize("special", ["/dev/zero", "fifo"])
def test_a_special_file_as_sources_file_is_one_line(tmp_path: Path, special: str) -> None:
    if special == "fifo":
        os.mkfifo(tmp_path / "fifo")  # opening it for reading would wait for a writer forever
        special = str(tmp_path / "fifo")
    line = one_error(cli("--sources", special, "config", "check", cwd=tmp_path))
    assert "not a regular file" in line


def _articles(folder: Path) -> Path:
    folder.mkdir()
    (folder / "bridge.txt").write_text(ARTICLE)
    return folder


@pytest.mark.e2e
def test_a_2gb_sparse_file_in_a_files_source_is_refused_and_the_rest_ingested(
    tmp_path: Path,
) -> None:
    folder = _articles(tmp_path / "articles")
    with open(folder / "huge.txt", "wb") as f:
        f.truncate(2 << 30)
    sources_yaml(tmp_path, "  - name: Local\n    kind: files\n    path: articles\n")
    r = cli("ingest", cwd=tmp_path)
    assert "Traceback" not in r.stderr and "MemoryError" not in r.stderr, r.stderr[-3000:]
    assert "huge.txt is too large" in r.stdout
    store = open_store(tmp_path / "crosscheck.db")
    try:
        (status,) = store.source_status()
    finally:
        store.close()
    assert status.articles == 1
    assert status.last_error and "huge.txt" in status.last_error


@pytest.mark.e2e
@needs_permissions
def test_an_unreadable_folder_in_a_files_source_is_recorded_and_the_rest_ingested(
    tmp_path: Path, restore_permissions: None
) -> None:
    folder = _articles(tmp_path / "articles")
    (folder / "locked").mkdir()
    (folder / "locked" / "other.txt").write_text(ARTICLE.replace("Bridge", "Tunnel"))
    (folder / "locked").chmod(0)
    sources_yaml(tmp_path, "  - name: Local\n    kind: files\n    path: articles\n")
    r = cli("ingest", cwd=tmp_path, unprivileged=True)
    assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr
    assert "cannot list locked: Permission denied" in r.stdout, r.stdout
    assert "1 new article(s)" in r.stdout, r.stdout


def test_a_fifo_in_a_files_source_is_refused_without_waiting(tmp_path: Path) -> None:
    folder = _articles(tmp_path / "articles")
    os.mkfifo(folder / "pipe.txt")
    docs = list(read_files(folder, source="Local"))
    assert [d.path.name for d in docs] == ["bridge.txt", "pipe.txt"]
    assert docs[0].error is None
    assert docs[1].error == "pipe.txt is not a regular file"


def test_a_files_source_naming_a_device_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="not a regular file or folder"):
        list(read_files(Path("/dev/zero"), source="Local"))


# ----------------------------------------------------------------------- 3. terminal escapes


def test_safe_text_removes_controls_and_bidi_but_keeps_visible_text() -> None:
    hostile = "Not\x1b[31m Found\x07\x9b2J \u202eevil\u2066x\u2069\u200f\r\nnext\tcol é ✓"
    assert safe_text(hostile) == "Not[31m Found2J evilx  next col é ✓"


class _RawServer:
    """Answers every connection with the same raw bytes (what no polite server would send)."""

    def __init__(self, response: bytes) -> None:
        self.response = response
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._loop, daemon=True).start()

    def _loop(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                conn.recv(65536)
                conn.sendall(self.response)


@pytest.fixture
def hostile_servers() -> Iterator[list[_RawServer]]:
    servers = [
        _RawServer(
            b"HTTP/1.1 404 Not\x1b]0;owned\x07\x1b[31m Found\r\n"
            b"Content-Length: 0\r\nConnection: close\r\n\r\n"
        ),
        _RawServer(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/\x1b[2Jevil\xe2\x80\xae\xc2\x9b31m\r\n"
            b"Content-Length: 2\r\nConnection: close\r\n\r\nhi"
        ),
    ]
    yield servers
    for s in servers:
        s.sock.close()


def _assert_clean(*texts: str | None) -> None:
    for text in texts:
        assert text is not None
        found = [c for c in HOSTILE if c in text]
        assert not found, (found, text[-2000:])


@pytest.mark.e2e
def test_hostile_reason_phrase_and_content_type_are_stored_and_printed_clean(
    tmp_path: Path, hostile_servers: list[_RawServer]
) -> None:
    reason, ctype = (f"http://127.0.0.1:{s.port}/article" for s in hostile_servers)
    (tmp_path / "sources.yaml").write_text(
        "sources:\n"
        f"  - {{name: Reason, kind: page, url: '{reason}'}}\n"
        f"  - {{name: Type, kind: page, url: '{ctype}'}}\n"
        "fetch:\n  allow_hosts: [127.0.0.1]\n  retries: 0\n"
    )
    ingest = cli("ingest", cwd=tmp_path)
    assert "HTTP 404 Not]0;owned[31m Found" in ingest.stdout, ingest.stdout
    assert "got text/[2jevil31m" in ingest.stdout, ingest.stdout
    listing = cli("sources", cwd=tmp_path)
    assert listing.returncode == 0, listing.stderr
    store = open_store(tmp_path / "crosscheck.db")
    try:
        errors = [s.last_error for s in store.source_status()]
    finally:
        store.close()
    _assert_clean(ingest.stdout, ingest.stderr, listing.stdout, listing.stderr, *errors)


@pytest.mark.e2e
def test_file_names_in_errors_are_stored_and_printed_clean(tmp_path: Path) -> None:
    folder = _articles(tmp_path / "articles")
    (folder / "evil\x1b[2J\u202e.txt").write_text("")
    sources_yaml(tmp_path, "  - name: Local\n    kind: files\n    path: articles\n")
    ingest = cli("ingest", cwd=tmp_path)
    assert "is empty" in ingest.stdout, ingest.stdout
    listing = cli("sources", cwd=tmp_path)
    store = open_store(tmp_path / "crosscheck.db")
    try:
        (status,) = store.source_status()
    finally:
        store.close()
    _assert_clean(ingest.stdout, ingest.stderr, listing.stdout, listing.stderr, status.last_error)


def test_a_source_error_is_stored_clean_whatever_raised_it(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "crosscheck.db")
    try:
        store.record_ingest("Feed", error="bad <\x1b[2J\u202etag>", at=datetime.now(UTC))
        (status,) = [s for s in store.source_status() if s.name == "Feed"]
    finally:
        store.close()
    assert status.last_error == "bad <[2Jtag>"


@pytest.mark.e2e
def test_errors_already_stored_raw_are_printed_clean(tmp_path: Path) -> None:
    """A store written before the fix may hold raw escapes: `crosscheck sources` cleans them."""
    sources_yaml(tmp_path, "  - name: Local\n    kind: files\n    path: articles\n")
    _articles(tmp_path / "articles")
    assert cli("ingest", cwd=tmp_path).returncode == 0
    with sqlite3.connect(tmp_path / "crosscheck.db") as db:
        db.execute("UPDATE sources SET last_error = 'bad\x1b[31m\u202e'")
    db.close()
    listing = cli("sources", cwd=tmp_path)
    assert "bad[31m" in listing.stdout
    _assert_clean(listing.stdout)


# ----------------------------------------------------------------------- 5. files source paths


def test_a_symlink_leaving_the_source_folder_is_refused(tmp_path: Path) -> None:
    folder = _articles(tmp_path / "articles")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("Secret Title\n\nThe secret text that must stay home.\n")
    (folder / "link.txt").symlink_to(outside / "secret.txt")
    (folder / "dir").symlink_to(outside)
    (folder / "passwd.txt").symlink_to("/etc/passwd")
    docs = {d.path.name: d for d in read_files(folder, source="Local")}
    assert docs["bridge.txt"].error is None
    assert "outside the source folder" in (docs["link.txt"].error or "")
    assert "outside the source folder" in (docs["passwd.txt"].error or "")
    assert not any("secret" in d.text for d in docs.values())
    assert "secret.txt" not in docs  # a linked folder is not walked into


def test_a_symlink_inside_the_source_folder_is_read(tmp_path: Path) -> None:
    folder = _articles(tmp_path / "articles")
    (folder / "sub").mkdir()
    (folder / "sub" / "same.txt").symlink_to(folder / "bridge.txt")
    docs = list(read_files(folder, source="Local"))
    assert [d.error for d in docs] == [None, None]


def test_a_single_file_without_an_article_suffix_is_refused(tmp_path: Path) -> None:
    (tmp_path / "passwd").write_text("root:x:0:0:root:/root:/bin/bash\n")
    with pytest.raises(SourceError, match=r"not a \.txt, \.md or \.html file"):
        list(read_files(tmp_path / "passwd", source="Local"))


@pytest.mark.parametrize("path", ['""', "' '", "../outside", "articles/../../outside", ".."])
def test_a_files_path_that_is_empty_or_leaves_the_config_folder_is_refused(
    tmp_path: Path, path: str
) -> None:
    p = sources_yaml(tmp_path, f"  - name: Local\n    kind: files\n    path: {path}\n")
    with pytest.raises(ConfigError) as info:
        load_sources(p)
    assert "sources[0].path" in str(info.value)
    assert ":4:" in str(info.value)  # the line of the path


def test_files_paths_inside_the_folder_or_absolute_are_accepted(tmp_path: Path) -> None:
    p = sources_yaml(
        tmp_path,
        "  - {name: A, kind: files, path: articles}\n"
        "  - {name: B, kind: files, path: ./articles/../articles/sub}\n"
        "  - {name: C, kind: files, path: .}\n"
        f"  - {{name: D, kind: files, path: '{tmp_path / 'elsewhere'}'}}\n",
    )
    cfg = load_sources(p)
    assert [str(s.path) for s in cfg.sources if isinstance(s, FilesSource)] == [
        "articles",
        "articles/sub",
        ".",
        str(tmp_path / "elsewhere"),
    ]


# ----------------------------------------------------------------------- 6. foreign SQLite files


@pytest.mark.e2e
def test_a_foreign_sqlite_file_is_refused_and_untouched(tmp_path: Path) -> None:
    shutil.copy(ROOT / "sources.yaml", tmp_path)
    shutil.copytree(ROOT / "samples", tmp_path / "samples")
    other = tmp_path / "other-app.db"
    with sqlite3.connect(other) as db:
        db.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
        db.execute("INSERT INTO notes (body) VALUES ('keep me')")
    db.close()
    before = sha(other)
    for command in (("check", "a claim"), ("ingest",), ("sources",), ("db", "upgrade")):
        line = one_error(cli("--db", "other-app.db", *command, cwd=tmp_path))
        assert "not a Crosscheck store" in line
    assert sha(other) == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("other")) == [
        "other-app.db"
    ]


def test_a_device_or_fifo_is_not_a_store(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "fifo")
    names = ["fifo"]
    try:
        os.mknod(tmp_path / "null", stat.S_IFCHR | 0o666, os.makedev(1, 3))
        names.append("null")
    except OSError:
        pass  # no permission to make devices here: the FIFO still shows the rule
    for name in names:
        with pytest.raises(StoreError, match="not a regular file"):
            SQLiteStore(tmp_path / name)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(names)


@pytest.mark.e2e
def test_dev_null_as_store_is_one_line() -> None:
    journal = Path("/dev/null-journal")
    existed = journal.exists()
    line = one_error(cli("--db", "/dev/null", "sources", cwd=ROOT))
    assert "not a regular file" in line
    assert journal.exists() == existed


def test_an_empty_file_becomes_a_store(tmp_path: Path) -> None:
    (tmp_path / "new.db").touch()
    store = SQLiteStore(tmp_path / "new.db")
    store.close()
    store = SQLiteStore(tmp_path / "new.db")  # and is recognised as one afterwards
    assert store.claim_count() == 0
    store.close()


def test_a_store_made_before_the_marker_is_still_opened(tmp_path: Path) -> None:
    SQLiteStore(tmp_path / "old.db").close()
    with sqlite3.connect(tmp_path / "old.db") as db:
        db.execute("PRAGMA application_id = 0")
    db.close()
    store = SQLiteStore(tmp_path / "old.db")
    assert store.claim_count() == 0
    store.close()
    with sqlite3.connect(tmp_path / "old.db") as db:
        assert db.execute("PRAGMA application_id").fetchone()[0] != 0
    db.close()


# ----------------------------------------------------------------------- 7. db copy


@pytest.fixture(scope="module")
def sample_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("hostile-samples")
    shutil.copy(ROOT / "sources.yaml", base)
    shutil.copytree(ROOT / "samples", base / "samples")
    engine = Engine.open(base / "src.db", base / "sources.yaml")
    try:
        engine.ingest()
    finally:
        engine.close()
    return base


def _dump(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    with sqlite3.connect(path) as db:
        tables = [
            r[0]
            for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            if not r[0].startswith(("claims_fts", "sqlite_"))
        ]
        out = {t: sorted(db.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr) for t in tables}
    db.close()
    return out


@pytest.mark.e2e
def test_copying_a_store_onto_itself_under_another_name_is_refused(
    sample_store: Path, tmp_path: Path
) -> None:
    shutil.copy(sample_store / "src.db", tmp_path / "src.db")
    (tmp_path / "link.db").symlink_to(tmp_path / "src.db")
    os.link(tmp_path / "src.db", tmp_path / "hard.db")
    before = _dump(tmp_path / "src.db")
    for dst in ("./src.db", str(tmp_path / "src.db"), "link.db", "hard.db"):
        line = one_error(cli("db", "copy", "src.db", dst, cwd=tmp_path))
        assert "same store" in line
    assert _dump(tmp_path / "src.db") == before


@pytest.mark.e2e
@requires_pg
def test_copying_a_postgresql_store_onto_itself_under_another_dsn_is_refused(
    tmp_path: Path,
) -> None:
    with pg_schema("cc_h8_same") as dsn:
        other_spelling = dsn.replace("127.0.0.1", "localhost", 1)
        assert other_spelling != dsn
        line = one_error(cli("db", "copy", dsn, other_spelling, cwd=tmp_path))
        assert "same store" in line


@pytest.mark.e2e
def test_a_refused_copy_writes_nothing(sample_store: Path, tmp_path: Path) -> None:
    shutil.copy(sample_store / "src.db", tmp_path / "src.db")
    _articles(tmp_path / "other")
    (tmp_path / "other.yaml").write_text(
        "sources:\n  - name: Other\n    kind: files\n    path: other\n"
    )
    other = Engine.open(tmp_path / "other.db", tmp_path / "other.yaml")
    try:
        assert other.ingest().added == 1  # article 1 and claims 1.. now hold other rows
    finally:
        other.close()
    before = _dump(tmp_path / "other.db")
    line = one_error(cli("db", "copy", "src.db", "other.db", cwd=tmp_path))
    assert "nothing was copied" in line
    assert _dump(tmp_path / "other.db") == before


# ----------------------------------------------------------------------- 12. read-only stores


def _read_only_copy(sample_store: Path, folder: Path, *, writable_file: bool = False) -> Path:
    """The sample store and its config in ``folder``, everything made read-only."""
    folder.mkdir()
    shutil.copy(sample_store / "sources.yaml", folder)
    shutil.copytree(sample_store / "samples", folder / "samples")
    shutil.copy(sample_store / "src.db", folder / "crosscheck.db")
    for p in [*folder.rglob("*"), folder]:
        p.chmod(0o555 if p.is_dir() else 0o444)
    if writable_file:
        (folder / "crosscheck.db").chmod(0o644)
    return folder


@pytest.fixture
def restore_permissions(tmp_path: Path) -> Iterator[None]:
    yield
    for p in [tmp_path, *tmp_path.rglob("*")]:
        if p.is_dir() and not p.is_symlink():
            p.chmod(0o755)


@pytest.mark.e2e
@needs_permissions
@pytest.mark.parametrize("writable_file", [False, True], ids=["read-only file", "writable file"])
def test_a_store_in_a_read_only_folder_can_be_read_and_writes_say_why_not(
    sample_store: Path, tmp_path: Path, restore_permissions: None, writable_file: bool
) -> None:
    folder = _read_only_copy(sample_store, tmp_path / "ro", writable_file=writable_file)
    before = sha(folder / "crosscheck.db")
    r = cli("check", "Britain may put 10,000 troops in Ukraine", cwd=folder, unprivileged=True)
    assert r.returncode == 0, r.stderr
    assert "relevance" in r.stdout, r.stdout  # matches were read from the store
    assert cli("sources", cwd=folder, unprivileged=True).returncode == 0
    r = cli("ingest", cwd=folder, unprivileged=True)
    assert r.returncode > 0 and "Traceback" not in r.stderr, r.stderr
    (line,) = [ln for ln in r.stderr.splitlines() if "error" in ln]  # progress bars may follow
    assert "cannot be written" in line and "read-only" in line
    if writable_file:
        assert "folder" in line
    assert sorted(p.name for p in folder.iterdir()) == ["crosscheck.db", "samples", "sources.yaml"]
    assert sha(folder / "crosscheck.db") == before


# ----------------------------------------------------------------------- 15. small ones


@pytest.mark.parametrize("weight", [".nan", ".inf", "-.inf"])
def test_a_weight_that_is_not_a_finite_number_says_so(tmp_path: Path, weight: str) -> None:
    p = sources_yaml(tmp_path, f"  - {{name: A, kind: files, path: a, weight: {weight}}}\n")
    with pytest.raises(ConfigError, match="finite number"):
        load_sources(p)


def test_a_whitespace_only_api_token_is_unset_everywhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.settings import Settings

    monkeypatch.setenv("CROSSCHECK_API_TOKEN", "   ")
    monkeypatch.chdir(tmp_path)
    assert Settings().api_token is None
    sources = str(ROOT / "sources.yaml")
    r = invoke("--sources", sources, "config", "check", cwd=tmp_path, api_token=" \t ")
    assert "API: disabled" in r.stdout, r.stdout + r.stderr


async def test_the_bearer_scheme_is_case_insensitive(tmp_path: Path) -> None:
    from aiohttp.test_utils import TestClient, TestServer

    from bot.web import Metrics, WebState, create_app

    (tmp_path / "sources.yaml").write_text("sources: []\n")
    engine = Engine.open(tmp_path / "crosscheck.db", tmp_path / "sources.yaml")
    try:
        state = WebState(engine, Metrics(), api_token="s3cret")
        async with TestClient(TestServer(create_app(state), host="127.0.0.1")) as client:
            for scheme in ("Bearer", "bearer", "BEARER"):
                r = await client.get("/v1/claims", headers={"Authorization": f"{scheme} s3cret"})
                assert r.status != 401, scheme
            for wrong in ("bearer s3cret2", "Basic s3cret", "bearer", "s3cret"):
                r = await client.get("/v1/claims", headers={"Authorization": wrong})
                assert r.status == 401, wrong
    finally:
        engine.close()
