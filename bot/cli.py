"""The ``crosscheck`` command: the same answers as the bot, from a terminal."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, BinaryIO, NoReturn, TypeVar

import typer

from checks.errors import CheckError, InputError
from checks.models import ReviewState, Stance, Verdict
from checks.text_safety import safe_text

if TYPE_CHECKING:  # imported where used: a command pays only for what it runs
    from rich.console import Console
    from rich.progress import Progress

    from bot.settings import Settings
    from checks.engine import Engine
    from checks.models import CheckResult, LinkCheckResult, Match

__all__ = ["app", "main"]

app = typer.Typer(
    name="crosscheck",
    help=(
        "Check a claim against what your trusted sources said.\n\n"
        "Sources are listed in sources.yaml; `crosscheck ingest` stores their claims, "
        '`crosscheck check "…"` answers Supported, Disputed, Mixed or Unverified with citations.'
    ),
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
)

T = TypeVar("T")

_VERDICT_STYLE = {
    Verdict.SUPPORTED: ("green", "✔"),
    Verdict.DISPUTED: ("red", "✘"),
    Verdict.MIXED: ("yellow", "≈"),
    Verdict.UNVERIFIED: ("bright_black", "?"),
}
_STANCE_STYLE = {
    Stance.AGREES: ("green", "agrees"),
    Stance.CONFLICTS: ("red", "conflicts"),
    Stance.RELATED: ("bright_black", "related"),
}


_Host = Annotated[
    str | None,
    typer.Option(
        "--host",
        help="Web surface address (default 127.0.0.1 or $CROSSCHECK_WEB_HOST).",
        show_default=False,
    ),
]
_Port = Annotated[
    int | None,
    typer.Option(
        "--port",
        min=0,
        max=65535,
        help="Web surface port (default 8080 or $CROSSCHECK_WEB_PORT).",
        show_default=False,
    ),
]


class _State:
    settings: Settings
    db: str
    sources: str
    consoles: dict[bool, Console]

    def __init__(self) -> None:
        self.consoles = {}


state = _State()


class _MaskedStream:
    """Standard output or error with credentials masked in everything written
    (``checks.redact``): a ``--db`` DSN's password, a token in a message. The stream is looked
    up at each write (a test runner swaps it)."""

    def __init__(self, stderr: bool) -> None:
        self.stderr = stderr

    @property
    def stream(self) -> Any:
        return sys.stderr if self.stderr else sys.stdout

    def write(self, text: str) -> int:
        from checks.redact import mask_secrets

        return int(self.stream.write(mask_secrets(text)))

    def __getattr__(self, name: str) -> Any:  # flush, isatty, fileno, encoding …
        return getattr(self.stream, name)


def _console(stderr: bool) -> Console:
    """This invocation's console for stdout or stderr (built on first use: the terminal's width
    and colours are read then). Everything it prints has credentials masked."""
    console = state.consoles.get(stderr)
    if console is None:
        from rich.console import Console

        console = state.consoles[stderr] = Console(
            file=_MaskedStream(stderr),  # type: ignore[arg-type]
            highlight=False,
            soft_wrap=True,
        )
    return console


def _out() -> Console:
    return _console(False)


def _err() -> Console:
    return _console(True)


def escape(text: str) -> str:
    """``text`` shown as it is, not read as rich markup."""
    from rich.markup import escape as rich_escape

    return rich_escape(text)


def fail(message: str, code: int = 1) -> NoReturn:
    """One clear line on stderr and a non-zero exit."""
    _err().print(f"[red]crosscheck: error:[/red] {escape(safe_text(message))}")
    raise typer.Exit(code)


@contextmanager
def _engine() -> Iterator[Engine]:
    from checks.engine import Engine

    try:
        engine = Engine.open(state.db, state.sources)
    except CheckError as exc:
        fail(str(exc))
    try:
        yield engine
    finally:
        engine.close()


def _progress(label_width: int, *, transient: bool = False) -> Progress:
    """Progress bars on stderr, one line per task."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    return Progress(
        TextColumn(f"[bold]{{task.description:<{label_width}}}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=_err(),
        transient=transient,
    )


def _guard(fn: Callable[[], T]) -> T:
    try:
        return fn()
    except CheckError as exc:
        fail(str(exc))


@app.callback()
def _main(
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            help="Store file. Default ./crosscheck.db or $CROSSCHECK_DB.",
            show_default=False,
        ),
    ] = None,
    sources: Annotated[
        str | None,
        typer.Option(
            "--sources",
            help="Sources file. Default ./sources.yaml or $CROSSCHECK_SOURCES.",
            show_default=False,
        ),
    ] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log what happens.")] = False,
) -> None:
    import logging

    from bot.logs import configure_logging
    from bot.settings import Settings, ValidationError, settings_problems

    state.consoles = {}  # one invocation's terminal (in-process callers run several)
    try:
        state.settings = Settings()
    except ValidationError as exc:
        for line in settings_problems(exc):
            _err().print(f"[red]crosscheck: error:[/red] {escape(line)}")
        raise typer.Exit(1) from None
    state.db = db or state.settings.db
    state.sources = sources or state.settings.sources
    level = logging.INFO if verbose else getattr(logging, state.settings.log_level.upper())
    configure_logging(level, state.settings.log_format)


# ---------------------------------------------------------------------------- ingest


@app.command()
def ingest(
    due: Annotated[
        bool, typer.Option("--due", help="Only sources whose refresh interval has passed.")
    ] = False,
) -> None:
    """Ingest the enabled sources in the sources file. Safe to re-run: nothing is stored twice."""
    with _engine() as engine:
        names = [s.name for s in engine.config.enabled() if s.kind != "factcheck_api"]
        if not names:
            fail(f"{state.sources}: no enabled sources to ingest")
        with _progress(24) as progress:
            tasks = {n: progress.add_task(n, total=None) for n in names}

            def tick(name: str, done: int, total: int | None) -> None:
                progress.update(tasks[name], completed=done, total=total)

            report = _guard(lambda: engine.ingest(tick, only_due=due))
            for n in names:
                t = progress.tasks[tasks[n]]
                if t.total is None:
                    progress.update(tasks[n], total=0, completed=0)
        for s in report.sources:
            status = "[green]ok[/green]" if s.ok else f"[red]{len(s.errors)} problem(s)[/red]"
            removed = f", {s.removed} removed (files gone)" if s.removed else ""
            _out().print(
                f"{escape(s.name)}: {s.seen} document(s), {s.added} new article(s), "
                f"{s.claims} new claim(s){removed} — {status}"
            )
            for e in s.errors:
                _out().print(f"  [red]•[/red] {escape(safe_text(e))}")
        _out().print(
            f"Stored {report.added} new article(s) and {report.claims} claim(s); "
            f"{engine.claim_count()} claim(s) in {state.db}."
        )
        _say_vector_backlog(engine)
        if due and not report.sources:
            _out().print("No source is due.")
        if report.sources and all(s.failed or (not s.ok and s.seen == 0) for s in report.sources):
            raise typer.Exit(1)


# ---------------------------------------------------------------------------- check


def _print_result(result: CheckResult) -> None:
    colour, mark = _VERDICT_STYLE[result.verdict]
    _out().print(
        f"[bold {colour}]{mark} {result.verdict.label}[/bold {colour}]  "
        f"[bright_black](confidence {result.confidence:.2f})[/bright_black]"
    )
    _out().print(f"  “{escape(result.claim)}”")
    if not result.matches:
        _out().print("  No configured source says anything about this.")
        return

    from bot.reading import READING_LABEL, READING_TAG, split_reading

    summary = result.cross_reference()
    if summary:
        _out().print("  " + escape(summary))
    judged, reading = split_reading(result.matches)
    for m in judged:
        _print_match(m, *_STANCE_STYLE[m.stance])
    if reading:
        _out().print(f"\n  [bold]{READING_LABEL}[/bold]")
        for m in reading:
            _print_match(m, "bright_black", READING_TAG, notes=False)


def _print_match(m: Match, colour: str, word: str, *, notes: bool = True) -> None:
    c = m.citation
    label = "fact-check" if c.review else "source"
    _out().print(
        f"\n  [{colour}]{word:<9}[/{colour}] {escape(c.source)} "
        f"[bright_black]({label}, weight {c.weight:g} {c.weight_class}; "
        f"relevance {m.score:.2f})[/bright_black]"
    )
    for note in m.notes if notes else ():
        _out().print(f"            • {escape(note.text)}")
    _out().print(f"            “{escape(c.quote)}”")
    date = f" ({c.published})" if c.published else ""
    _out().print(f"            — {escape(c.title)}{date}")
    _out().print(f"              {escape(c.url)}")


@app.command()
def check(
    claim: Annotated[
        str | None,
        typer.Argument(
            help="The claim to check, or an http(s) link to an article.", show_default=False
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the answer as JSON.")] = False,
    file: Annotated[
        Path | None,
        typer.Option(
            "--file",
            "-f",
            help="Check one claim per line of this file ('-' for stdin); prints JSON Lines in "
            "input order.",
            show_default=False,
        ),
    ] = None,
    guild: Annotated[
        int | None,
        typer.Option(
            "--guild",
            help="Answer as the bot does in this Discord server (its moderators' verdicts count).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Check a claim or a link against the stored claims of your sources."""
    import asyncio

    from bot.reading import answer_json
    from checks.claims import is_link

    if (claim is None) == (file is None):
        fail("give a claim or --file, not both or neither", code=2)
    with _engine() as engine:
        if file is not None:
            _check_file(engine, file, guild)
            return
        assert claim is not None
        if is_link(claim):
            link = _guard(
                lambda: asyncio.run(engine.acheck_url(claim, guild_id=guild, surface="cli"))
            )
            if as_json:
                sys.stdout.write(json.dumps(answer_json(link), ensure_ascii=False) + "\n")
            else:
                _print_link(link)
            return
        result = _guard(
            lambda: asyncio.run(engine.acheck_text(claim, guild_id=guild, surface="cli"))
        )
        if as_json:
            sys.stdout.write(json.dumps(answer_json(result), ensure_ascii=False) + "\n")
        else:
            _print_result(result)
            if not engine.claim_count():
                _err().print("[yellow]The store is empty: run `crosscheck ingest` first.[/yellow]")


def _print_link(link: LinkCheckResult) -> None:
    colour, mark = _VERDICT_STYLE[link.verdict]
    _out().print(f"[bold]{escape(link.title)}[/bold]\n{escape(link.url)}")
    if link.known_source:
        _out().print(
            f"[bright_black]This article is already stored from {escape(link.known_source)}; "
            "its claims are checked against the other sources.[/bright_black]"
        )
    _out().print(
        f"[bold {colour}]{mark} Overall: {link.verdict.label}[/bold {colour}] — "
        f"{escape(link.summary())}"
    )
    for i, result in enumerate(link.claims, 1):
        _out().print(f"\n[bold]Claim {i}[/bold]")
        _print_result(result)


# one line of --file: a claim is at most 2,000 characters, so a longer line is refused unread
_LINE_CAP = 64 * 1024
# bytes of one line skipped without finding its end, after which the input is not claims
_SKIP_CAP = 16 * 1024 * 1024


def _open_claims(file: Path) -> BinaryIO:
    """``--file``'s stream: standard input for ``-``, else a regular file. The file is opened
    without blocking and looked at before reading, so a device (``/dev/zero``), a FIFO or a
    folder is one line instead of a hang or an endless read."""
    import os
    import stat

    if str(file) == "-":
        stream = sys.stdin.buffer
        try:
            mode = os.fstat(stream.fileno()).st_mode
        except (OSError, ValueError):  # an in-memory stdin (a test runner's) has no descriptor
            return stream
        if (stat.S_ISCHR(mode) or stat.S_ISBLK(mode)) and not stream.isatty():
            fail("standard input is a device, not a file of claims")
        return stream
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(file, flags)
    except OSError as exc:
        fail(f"{file}: cannot be read ({exc.strerror or exc})")
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        what = "a directory" if stat.S_ISDIR(mode) else "not a regular file (a device or FIFO)"
        fail(f"{file}: is {what}")
    os.set_blocking(fd, True)
    return open(fd, "rb")


class _NoLineBreak(Exception):
    pass


def _raw_lines(stream: BinaryIO) -> Iterator[bytes | None]:
    """The lines of ``stream`` as they arrive (a line is answered before the next is read),
    without their line break; ``None`` for a line longer than ``_LINE_CAP``, which is skipped
    without being kept. :class:`_NoLineBreak` after ``_SKIP_CAP`` bytes without one."""
    while line := stream.readline(_LINE_CAP + 1):
        if line.endswith(b"\n") or len(line) <= _LINE_CAP:
            yield line.removesuffix(b"\n").removesuffix(b"\r")
            continue
        skipped = len(line)
        while not line.endswith(b"\n") and (line := stream.readline(_LINE_CAP)):
            skipped += len(line)
            if skipped > _SKIP_CAP:
                raise _NoLineBreak
        yield None


def _read_line(raw: bytes | None, first: bool) -> tuple[str, str | None]:
    """A line's text and, when it cannot be checked as it is, why (its own error line)."""
    if raw is None:
        return "", f"the line is too long (more than {_LINE_CAP:,} bytes)"
    if first:
        raw = raw.removeprefix(b"\xef\xbb\xbf")  # a UTF-8 byte order mark
    text = raw.decode("utf-8", errors="replace")
    if b"\0" in raw:
        return text, "the line holds a NUL character: binary data, not text"
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return text, f"the line is not valid UTF-8 (byte {exc.start + 1})"
    return text, None


def _check_file(engine: Engine, file: Path, guild: int | None) -> None:
    """One JSON answer a line, in order, each written as soon as its line is answered."""
    import asyncio

    from bot.reading import answer_json

    stream = _open_claims(file)
    try:
        with asyncio.Runner() as runner:
            for n, raw in enumerate(_raw_lines(stream)):
                line, problem = _read_line(raw, first=n == 0)
                answer: dict[str, Any]
                try:
                    if problem is not None:
                        raise InputError(problem)
                    result = runner.run(engine.acheck_text(line, guild_id=guild, surface="cli"))
                    answer = answer_json(result)
                except InputError as exc:
                    shown = safe_text(line)[:200]
                    answer = {"claim": shown, "verdict": None, "matches": [], "error": str(exc)}
                except CheckError as exc:
                    fail(str(exc))
                sys.stdout.write(json.dumps(answer, ensure_ascii=False) + "\n")
                sys.stdout.flush()
    except _NoLineBreak:
        fail(f"{file}: no line break in {_SKIP_CAP // (1 << 20)} MiB: not a file of claims")
    except OSError as exc:
        fail(f"{file}: cannot be read ({exc.strerror or exc})")
    finally:
        if stream is not sys.stdin.buffer:
            stream.close()


# ---------------------------------------------------------------------------- sources


@app.command()
def sources() -> None:
    """List the configured sources: kind, weight, what is stored and how the last ingest went."""
    from rich.table import Table

    with _engine() as engine:
        table = Table(title=f"Sources in {state.sources}", title_justify="left")
        for col in ("name", "kind", "weight", "articles", "claims", "last ingest", "status"):
            table.add_column(
                col, justify="right" if col in {"weight", "articles", "claims"} else "left"
            )
        enabled = {s.name for s in engine.config.enabled()}
        for s in _guard(engine.sources):
            status = (
                "[bright_black]disabled[/bright_black]"
                if s.name not in enabled
                else f"[red]{escape(safe_text(s.last_error))}[/red]"
                if s.last_error
                else "[green]ok[/green]"
                if s.last_ingest
                else "[yellow]never ingested[/yellow]"
            )
            table.add_row(
                escape(s.name),
                s.kind,
                f"{s.weight:g}",
                str(s.articles),
                str(s.claims),
                s.last_ingest.strftime("%Y-%m-%d %H:%M UTC") if s.last_ingest else "—",
                status,
            )
        _out().print(table)
        _say_vector_backlog(engine)


# ---------------------------------------------------------------------------- review

review_app = typer.Typer(help="The moderator review queue (the same queue the bot shows).")
app.add_typer(review_app, name="review")


@review_app.command("list")
def review_list(
    guild: Annotated[
        int | None, typer.Option("--guild", help="Only this Discord server (its id).")
    ] = None,
    state: Annotated[
        ReviewState | None,
        typer.Option(
            "--state", help="Only items in this state (default: all).", show_default=False
        ),
    ] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=10_000)] = 50,
) -> None:
    """Show the review queue, newest first."""
    import asyncio

    from rich.table import Table

    with _engine() as engine:
        items = _guard(
            lambda: asyncio.run(engine.review_list(guild_id=guild, state=state, limit=limit))
        )
        table = Table(title="Review queue", title_justify="left")
        for col in ("id", "server", "state", "asked", "bot said", "moderators", "claim"):
            table.add_column(col, justify="right" if col in {"id", "asked"} else "left")
        for i in items:
            table.add_row(
                str(i.id),
                str(i.guild_id),
                i.state.value,
                str(i.demand),
                i.bot_verdict.value,
                i.moderator_verdict or "—",
                escape(i.claim if len(i.claim) <= 80 else i.claim[:79] + "…"),
            )
        _out().print(table if items else "The review queue is empty.")


class ExportFormat(StrEnum):
    claimreview = "claimreview"


@review_app.command("export")
def review_export(
    format_: Annotated[
        ExportFormat, typer.Option("--format", help="Output format.")
    ] = ExportFormat.claimreview,
    guild: Annotated[
        int | None, typer.Option("--guild", help="Only this Discord server (its id).")
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Write to this file instead of standard output."),
    ] = None,
) -> None:
    """Export moderators' verdicts as schema.org ClaimReview JSON-LD (a JSON array)."""
    with _engine() as engine:
        reviews = _guard(lambda: engine.export_claimreview(guild))
        text = json.dumps(reviews, ensure_ascii=False, indent=2) + "\n"
        if output is None:
            sys.stdout.write(text)
            return
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as exc:
            fail(f"{output}: cannot be written ({exc.strerror or exc})")
        _err().print(f"Wrote {len(reviews)} ClaimReview(s) to {output}")


# ---------------------------------------------------------------------------- bot


@app.command()
def bot(
    sync_guild: Annotated[
        int | None,
        typer.Option(
            "--sync-guild",
            help="Register the slash commands in this server (instant; for development).",
            show_default=False,
        ),
    ] = None,
    sync_global: Annotated[
        bool,
        typer.Option("--sync-global", help="Register the slash commands everywhere (slow)."),
    ] = False,
    host: _Host = None,
    port: _Port = None,
    shard_ids: Annotated[
        str | None,
        typer.Option(
            "--shard-ids",
            help="Run only these Discord shards, e.g. 0,1 (with --shard-count; several processes).",
            show_default=False,
        ),
    ] = None,
    shard_count: Annotated[
        int | None,
        typer.Option("--shard-count", min=1, help="Total number of shards.", show_default=False),
    ] = None,
    ingest: Annotated[
        bool,
        typer.Option(
            "--ingest/--no-ingest", help="Also run the ingestion loop (off when workers do it)."
        ),
    ] = True,
) -> None:
    """Run the Discord bot and its web surface (token from CROSSCHECK_DISCORD_TOKEN).

    Stop with Ctrl-C or SIGTERM: in-flight checks and the article being ingested finish first."""
    from bot.run import BotStartError, run_bot

    ids: list[int] | None = None
    if shard_ids is not None:
        try:
            ids = sorted({int(x) for x in shard_ids.split(",") if x.strip()})
        except ValueError:
            fail(f"--shard-ids must be numbers separated by commas, got {shard_ids!r}", code=2)
    try:
        run_bot(
            state.settings,
            db=state.db,
            sources=state.sources,
            sync_guild=sync_guild,
            sync_global=sync_global,
            host=host,
            port=port,
            shard_ids=ids,
            shard_count=shard_count,
            ingest=ingest,
        )
    except BotStartError as exc:
        fail(str(exc))


@app.command()
def worker(host: _Host = None, port: _Port = None) -> None:
    """Run ingestion only (several workers may share a PostgreSQL store: each source is taken
    under a lease), with /healthz and /readyz. Stop with Ctrl-C or SIGTERM."""
    from bot.run import BotStartError, run_worker

    try:
        run_worker(state.settings, db=state.db, sources=state.sources, host=host, port=port)
    except BotStartError as exc:
        fail(str(exc))


db_app = typer.Typer(help="The store: upgrade its schema, copy it between SQLite and PostgreSQL.")
app.add_typer(db_app, name="db")


def _say_vector_backlog(engine: Any) -> None:
    """One line on the claims still without a vector (found by their words only until then)."""
    backlog = _guard(engine.vector_backlog)
    if backlog:
        _out().print(
            f"{backlog} claim(s) await their vector (matched by words until then): "
            "`crosscheck db embed` computes them, as does a running `crosscheck worker`."
        )


@db_app.command("embed")
def db_embed(
    limit: Annotated[
        int | None, typer.Option("--limit", min=1, help="Stop after this many claims.")
    ] = None,
    batch: Annotated[int, typer.Option("--batch", min=1, max=1024, help="Claims per batch.")] = 64,
) -> None:
    """Compute the vectors of stored claims that have none: claims stored since, a store made
    before vectors, or every claim after a change of embedding model. Each batch is also parsed
    and its frames stored (when the parser is installed), so checks need not parse the claims
    they find. Each batch is saved as it is done: safe to interrupt (Ctrl-C) and run again, it
    resumes."""
    from checks.embed import get_embedder
    from checks.enrich import embed_backlog, holder_name
    from checks.store import open_store

    embedder = _guard(get_embedder)
    if embedder is None:
        fail("embeddings are off (CROSSCHECK_EMBEDDER is none, or the model is not installed)")
    store = _guard(lambda: open_store(state.db))
    done = 0
    try:
        total = _guard(store.vector_backlog)
        if limit is not None:
            total = min(total, limit)
        with _progress(16) as progress:
            bar = progress.add_task("embedding and parsing claims", total=total)

            def tick(n: int) -> None:
                nonlocal done
                done = n
                progress.update(bar, completed=n)

            # the same holder on a re-run takes back the batch an interrupted run had leased
            _guard(
                lambda: embed_backlog(
                    store,
                    embedder,
                    batch=batch,
                    limit=limit,
                    holder=holder_name("db-embed"),
                    progress=tick,
                )
            )
        left = _guard(store.vector_backlog)
        _out().print(
            f"Embedded {done} claim(s) with {embedder.name}; {left} left without a vector."
        )
    except KeyboardInterrupt:
        _err().print(f"interrupted after {done} claim(s); run `crosscheck db embed` to resume")
        raise typer.Exit(130) from None
    finally:
        store.close()


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply the store's schema migrations (they also run whenever a process opens the store)."""
    from checks.store import open_store

    store = _guard(lambda: open_store(state.db))
    try:
        _out().print(f"{escape(store.path)}: schema is up to date")
    finally:
        store.close()


@db_app.command("copy")
def db_copy(
    src: Annotated[str, typer.Argument(help="The store to copy from (SQLite path or DSN).")],
    dst: Annotated[str, typer.Argument(help="The store to copy into (SQLite path or DSN).")],
) -> None:
    """Copy every article, claim, setting, answer and review item from SRC into DST, keeping
    ids, then verify the counts. Safe to re-run: rows already in DST are left alone."""
    from rich.table import Table

    from checks.copy import copy_store
    from checks.store import open_store

    if src == dst:
        fail("SRC and DST are the same store", code=2)
    source = _guard(lambda: open_store(src))
    try:
        target = _guard(lambda: open_store(dst))
    except typer.Exit:
        source.close()
        raise
    try:
        with _progress(14) as progress:
            bars: dict[str, Any] = {}

            def tick(table: str, done: int, total: int) -> None:
                if table not in bars:
                    bars[table] = progress.add_task(table, total=total)
                progress.update(bars[table], completed=done, total=total)

            report = _guard(lambda: copy_store(source, target, progress=tick))
        title = f"{escape(source.path)} → {escape(target.path)}"
        table = Table(title=title, title_justify="left")
        for col in ("table", "in source", "copied now", "in destination"):
            table.add_column(col, justify="left" if col == "table" else "right")
        for name, (n_src, n_new, n_dst) in report.tables.items():
            table.add_row(name, str(n_src), str(n_new), str(n_dst))
        _out().print(table)
        if report.mismatched:
            fail("counts differ after copying: " + ", ".join(report.mismatched))
        _out().print("[green]verified[/green]: every source row is in the destination")
    finally:
        source.close()
        target.close()


@app.command()
def serve(host: _Host = None, port: _Port = None) -> None:
    """Run the web surface (health, readiness, metrics, JSON API) and ingestion, without Discord.

    Stop with Ctrl-C or SIGTERM: in-flight checks and the article being ingested finish first."""
    from bot.run import BotStartError, run_serve

    try:
        run_serve(state.settings, db=state.db, sources=state.sources, host=host, port=port)
    except BotStartError as exc:
        fail(str(exc))


config_app = typer.Typer(help="Configuration.")
app.add_typer(config_app, name="config")


@config_app.command("check")
def config_check() -> None:
    """Validate the settings (environment, .env) and the sources file without starting anything."""
    from checks.sources.config import load_sources

    try:
        cfg = load_sources(state.sources)
    except CheckError as exc:
        fail(str(exc))
    s = state.settings
    enabled = cfg.enabled()
    _out().print(
        f"[green]ok[/green] {state.sources}: {len(cfg.sources)} source(s), {len(enabled)} enabled"
    )
    for src in cfg.sources:
        mark = "" if src.enabled else " (disabled)"
        _out().print(f"  • {escape(src.name)}: {src.kind}, weight {src.weight:g}{mark}")
    _out().print(
        f"[green]ok[/green] settings: store {state.db}, web {s.web_host}:{s.web_port}, "
        f"logs {s.log_format}/{s.log_level.lower()}"
    )
    _out().print(
        f"  Discord token: {'set' if s.discord_token else 'not set (needed for `crosscheck bot`)'}"
    )
    _out().print(f"  API: {'enabled' if s.api_token else 'disabled (set CROSSCHECK_API_TOKEN)'}")
    from checks.nli import ENV_VAR as NLI_VAR
    from checks.nli import get_model

    try:
        nli = get_model()
    except CheckError as exc:
        fail(str(exc))
    if nli is None:
        _out().print(f"  NLI model: none (stance by structure alone; set {NLI_VAR} to add one)")
    else:
        _out().print(f"[green]ok[/green] NLI model {nli.name} from {escape(str(nli.path.parent))}")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
