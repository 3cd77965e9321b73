"""Speed at scale: index build time, store size, check latency, ingest throughput, memory.

    .venv/bin/python bench/latency.py [--sizes 10000,100000,1000000] [--queries 200] [--json]

For each size N a store of N synthetic claims is built through ``SQLiteStore.add_article`` (one
transaction per article, the only write path the store offers). The text is deterministic
pseudo-English from a seeded generator: one Zipf law (p ∝ 1/rank) over English function words (the
head, about 40% of the text, as in English) and 50,000 content words (common English ones, then
made-up ones), plus capitalised names (a flatter Zipf law over 8,000) and figures ("2,400", "1.5
million", "40 percent"); sentences of 8–30 words; 6–14 claims (about 10) per article under a
short title. Every claim gets real ``features(sentence,
context=title)``; to use both cores they are computed in worker processes while the main process
writes. The sentences are cut into claims by the generator itself rather than by
``split_claims`` (sentencex), which the ingest measurement below covers. Built stores are cached in
``bench/.cache`` (keyed by size, generator version and a hash of the engine code that shapes the
index) together with their build statistics, so reruns only measure.

Each size is then measured in a fresh process (so peak RSS belongs to that size alone):

* check latency: ``Engine.check_text`` on ``--queries`` claims (after 10 warm-up checks): half
  are paraphrases of stored claims (words dropped, replaced and swapped, a figure changed), half
  are new sentences from the same generator (related vocabulary, but nothing stored says them);
* ingest throughput: 200 synthetic articles written as ``.txt`` files, configured as a ``files``
  source in a ``sources.yaml``, ingested with ``Engine.ingest`` into a copy of the store;
* peak RSS of the measuring process (``resource.getrusage``), after the checks and after ingest.
"""

from __future__ import annotations

import argparse
import bisect
import cProfile
import io
import itertools
import json
import multiprocessing as mp
import os
import pstats
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (
    cache_dir,
    code_version,
    current_rss_mb,
    drop_stale,
    file_size_mb,
    peak_rss_mb,
    percentile,
    storable,
)

from checks import lexicon as lx
from checks.claims import features
from checks.ingest import content_hash
from checks.models import Article, Claim
from checks.store.sqlite import SQLiteStore

GENERATOR_VERSION = "synth-2"  # bump when the generated text changes
SEED = 20250311
DEFAULT_SIZES = (10_000, 100_000, 1_000_000)
INGEST_ARTICLES = 200
WARMUP = 10

# --------------------------------------------------------------------------- the generator


def _words(text: str) -> list[str]:
    return text.split()


_FUNCTION_WORDS = _words(
    "the of and to in a is that for on was with as by at from has have are it be not this which "
    "its their were been will had they but an who would after his more than into about also "
    "when there could new two first all one we her he or so can if last up out while before "
    "during since against between our most some them these other because only both"
)
_COMMON_CONTENT = _words(
    "people government year years time state country city week official police report "
    "president minister law health company market money program school children women men "
    "group million percent water support plan war party election vote court public world "
    "news team family home business service system policy month study data community council "
    "court force deal bill budget tax price energy oil gas power rate case death crisis region "
    "border trade industry office leader member director worker student patient hospital virus "
    "vaccine climate weather storm fire flood road bridge train flight airport army troops "
    "military ship port island coast farm food crop bank loan debt fund fraud claim video photo "
    "post message account platform network phone internet computer software record history "
    "museum church school university research scientist doctor nurse teacher artist player coach "
    "season match game title goal profit sales jobs wage strike protest rally campaign policy "
    "announced reported confirmed warned rejected approved signed launched increased reduced "
    "opened closed arrested charged killed injured found showed built sent moved raised cut "
    "national local federal regional international foreign domestic economic political public "
    "private major minor former current annual official military medical legal social digital"
)
_ONSETS = _words(
    "b c d f g h j k l m n p r s t v w z bl br cl cr dr fl fr gl gr kl kr pl pr sc sk sl sm sn "
    "sp st sw tr th sh ch wh qu"
)
_VOWELS = _words("a e i o u a e i o ai ea ou oo ie")
_CODAS = ["", "", "", "", "", "n", "r", "l", "s", "t", "m", "nd", "rt", "st", "ck", "ng", "x"]
_SUFFIXES = ["", "", "", "", "er", "ing", "ed", "s", "ion", "al", "ly", "ity", "ment", "ous"]


def _syllable(rng: random.Random) -> str:
    return rng.choice(_ONSETS) + rng.choice(_VOWELS) + rng.choice(_CODAS)


def _reserved() -> set[str]:
    """Words the engine's lexicons give a meaning to: made-up words must not collide with them."""
    out: set[str] = set(lx.STOPWORDS) | set(lx.NEGATORS) | set(lx.MONTHS) | set(lx.NUMBER_WORDS)
    for table in (lx.ENTITY_ALIASES, lx.SCALES, lx.BOUND_WORDS, lx.MEASURE_UNITS):
        for key in table:
            out.update(key.lower().split())
    return out


class Vocabulary:
    """Zipfian word and name distributions, built deterministically from a seed."""

    def __init__(self, seed: int = SEED, size: int = 50_000, names: int = 8_000) -> None:
        rng = random.Random(seed)
        reserved = _reserved()
        words: list[str] = list(dict.fromkeys(_COMMON_CONTENT))
        seen = set(words) | reserved
        while len(words) < size:
            w = "".join(_syllable(rng) for _ in range(rng.choice((1, 1, 1, 2, 2, 2, 2, 3, 3))))
            w += rng.choice(_SUFFIXES)
            if len(w) >= 3 and w not in seen:
                seen.add(w)
                words.append(w)
        # One Zipf law, p ∝ 1 / rank, over function words (the head, as in real English, where
        # they are about 40% of running text) followed by the content words; names have their
        # own, flatter Zipf law.
        head = len(_FUNCTION_WORDS)
        self.words = words
        self.word_cum = list(itertools.accumulate(1.0 / (head + r + 1) for r in range(size)))
        self.tokens = _FUNCTION_WORDS + words
        self.token_cum = list(itertools.accumulate(1.0 / (r + 1) for r in range(head + size)))
        name_list: list[str] = []
        while len(name_list) < names:
            n = "".join(_syllable(rng) for _ in range(rng.choice((1, 2, 2, 3)))).capitalize()
            if n.lower() not in seen:
                seen.add(n.lower())
                name_list.append(n)
        self.names = name_list
        self.name_cum = list(itertools.accumulate(1.0 / (r + 10.0) for r in range(names)))

    @staticmethod
    def _pick(rng: random.Random, items: list[str], cum: list[float]) -> str:
        return items[bisect.bisect(cum, rng.random() * cum[-1])]

    def word(self, rng: random.Random) -> str:
        return self._pick(rng, self.words, self.word_cum)

    def name(self, rng: random.Random) -> str:
        first = self._pick(rng, self.names, self.name_cum)
        if rng.random() < 0.4:
            return first + " " + self._pick(rng, self.names, self.name_cum)
        return first

    def number(self, rng: random.Random) -> str:
        kind = rng.random()
        if kind < 0.4:
            return str(rng.randint(2, 99))
        if kind < 0.7:
            return f"{rng.randint(1, 99) * 100:,}"
        if kind < 0.8:
            return f"{rng.randint(1, 9)}.{rng.randint(1, 9)} million"
        if kind < 0.9:
            return f"{rng.randint(2, 95)} percent"
        return str(rng.randint(1990, 2025))

    def sentence(self, rng: random.Random) -> str:
        n = rng.randint(8, 30) if rng.random() < 0.3 else int(rng.triangular(8, 30, 15))
        out: list[str] = []
        for _ in range(n):
            r = rng.random()
            if r < 0.06:
                out.append(self.name(rng))
            elif r < 0.08:
                out.append(self.number(rng))
            else:
                out.append(self._pick(rng, self.tokens, self.token_cum))
        out[0] = out[0][0].upper() + out[0][1:]
        return " ".join(out) + "."

    def title(self, rng: random.Random) -> str:
        parts = [self.word(rng) for _ in range(rng.randint(3, 7))]
        if rng.random() < 0.5:
            parts.insert(rng.randrange(len(parts)), self.name(rng))
        return " ".join(p[0].upper() + p[1:] for p in parts)


_VOCAB: Vocabulary | None = None


def vocab() -> Vocabulary:
    global _VOCAB
    if _VOCAB is None:
        _VOCAB = Vocabulary()
    return _VOCAB


def article_text(i: int, *, stream: int = 0) -> tuple[str, list[str]]:
    """Article ``i``'s title and sentences: a pure function of ``i`` (and the stream)."""
    rng = random.Random(SEED * 1_000_003 + i * 7 + stream)
    v = vocab()
    title = v.title(rng)
    return title, [v.sentence(rng) for _ in range(rng.randint(6, 14))]


def paraphrase(sentence: str, rng: random.Random) -> str:
    """Reword a sentence: drop and replace some words, swap two, change a figure."""
    v = vocab()
    words = sentence.rstrip(".").split()
    out: list[str] = []
    for w in words:
        r = rng.random()
        if r < 0.15 and len(words) > 6:
            continue
        if r < 0.27:
            out.append(v.word(rng))
        elif w[0].isdigit() and rng.random() < 0.5:
            out.append(v.number(rng))
        else:
            out.append(w)
    if len(out) > 3:
        j = rng.randrange(len(out) - 1)
        out[j], out[j + 1] = out[j + 1], out[j]
    text = " ".join(out)
    return text[0].upper() + text[1:] + "."


def queries(n_articles: int, count: int) -> list[tuple[str, str, str]]:
    """(kind, text, the stored claim it paraphrases or ""): alternately a paraphrase of a stored
    claim and an unrelated new sentence."""
    rng = random.Random(SEED + 17)
    v = vocab()
    out: list[tuple[str, str, str]] = []
    for k in range(count):
        if k % 2 == 0:
            # not the last article: the build may have stored only part of it
            _, sentences = article_text(rng.randrange(max(n_articles - 1, 1)))
            original = rng.choice(sentences)
            out.append(("paraphrase", paraphrase(original, rng), original))
        else:
            out.append(("unrelated", v.sentence(rng), ""))
    return out


# --------------------------------------------------------------------------- building


def _articles_for(n_claims: int) -> list[tuple[int, int]]:
    """(article index, claims taken from it) until ``n_claims`` claims."""
    out, total, i = [], 0, 0
    while total < n_claims:
        rng = random.Random(SEED * 1_000_003 + i * 7)
        vocab().title(rng)  # keep in step with article_text
        count = rng.randint(6, 14)
        take = min(count, n_claims - total)
        out.append((i, take))
        total += take
        i += 1
    return out


def _make_article(job: tuple[int, int]) -> tuple[Article, list[Claim], float, int]:
    """One article with its claims and their features (runs in a worker)."""
    i, take = job
    title, sentences = article_text(i)
    sentences = sentences[:take]
    text = " ".join(sentences)
    t0 = time.perf_counter()
    claims, pos, patched = [], 0, 0
    for k, s in enumerate(sentences):
        feats, changed = storable(features(s, context=title))
        patched += changed
        claims.append(Claim(position=k, start=pos, end=pos + len(s), text=s, features=feats))
        pos += len(s) + 1
    took = time.perf_counter() - t0
    url = f"https://synthetic.example/{i}"
    article = Article(
        source="Synthetic Wire",
        url=url,
        canonical_url=url,
        title=title,
        text=text,
        content_hash=content_hash(title, text),
    )
    return article, claims, took, patched


def build(n_claims: int, path: Path, *, workers: int, log: Any) -> dict[str, Any]:
    jobs = _articles_for(n_claims)
    tmp = path.with_name(path.name + f".tmp{os.getpid()}")
    for suffix in ("", "-wal", "-shm"):
        Path(str(tmp) + suffix).unlink(missing_ok=True)
    store = SQLiteStore(tmp)
    features_s = store_s = 0.0
    patched = claims = 0
    t0 = time.perf_counter()
    step = max(len(jobs) // 20, 1)
    pool = mp.get_context("fork").Pool(workers) if workers > 1 else None
    try:
        produced = (
            pool.imap(_make_article, jobs, chunksize=64) if pool else map(_make_article, jobs)
        )
        for k, (article, cl, took, p) in enumerate(produced, 1):
            features_s += took
            patched += p
            t1 = time.perf_counter()
            store.add_article(article, cl)
            store_s += time.perf_counter() - t1
            claims += len(cl)
            if k % step == 0:
                el = time.perf_counter() - t0
                log(f"  {n_claims:,}: {claims:,} claims in {el:.0f} s ({claims / el:,.0f}/s)")
    finally:
        if pool:
            pool.close()
            pool.join()
        store.close()
    build_s = time.perf_counter() - t0
    os.replace(tmp, path)
    for suffix in ("-wal", "-shm"):
        Path(str(tmp) + suffix).unlink(missing_ok=True)
    return {
        "claims": claims,
        "articles": len(jobs),
        "build_s": round(build_s, 1),
        "features_cpu_s": round(features_s, 1),
        "add_article_s": round(store_s, 1),
        "add_article_ms": round(1000 * store_s / len(jobs), 3),
        "build_workers": workers,
        "build_rss_mb": round(peak_rss_mb(), 1),
        "features_patched": patched,
    }


def store_for(
    n_claims: int, *, workers: int, rebuild: bool, log: Any
) -> tuple[Path, dict[str, Any]]:
    key = code_version(f"{GENERATOR_VERSION}|{n_claims}")
    path = cache_dir() / f"latency-{n_claims}-{key}.db"
    meta_path = path.with_suffix(".json")
    if not rebuild and path.exists() and meta_path.exists():
        meta = json.loads(meta_path.read_text())
        meta["build_cached"] = True
        return path, meta
    log(f"building a store of {n_claims:,} synthetic claims ({workers} feature workers) …")
    meta = build(n_claims, path, workers=workers, log=log)
    meta["size_mb"] = round(file_size_mb(path), 1)
    meta_path.write_text(json.dumps(meta, indent=1))
    drop_stale(path, f"latency-{n_claims}-")
    meta["build_cached"] = False
    return path, meta


# --------------------------------------------------------------------------- measuring


def _write_ingest_files(folder: Path, count: int) -> None:
    articles = folder / "articles"
    articles.mkdir()
    for k in range(count):
        title, sentences = article_text(k, stream=3)  # a stream no store was built from
        paragraphs = [" ".join(sentences[j : j + 3]) for j in range(0, len(sentences), 3)]
        body = "\n\n".join(paragraphs)
        (articles / f"2025-01-{1 + k % 28:02d}-article-{k:04d}.txt").write_text(
            f"{title}\n\n{body}\n", encoding="utf-8"
        )
    (folder / "sources.yaml").write_text(
        "sources:\n  - name: Bench Files\n    kind: files\n    path: articles\n    weight: 1.0\n",
        encoding="utf-8",
    )


def measure(
    path: Path, n_articles: int, n_queries: int, *, profile: bool, ingest: bool
) -> dict[str, Any]:
    from checks.engine import Engine
    from checks.sources.config import SourcesFile, load_sources

    load = os.getloadavg()[0]  # other work on the machine skews every timing below
    store = SQLiteStore(path)
    engine = Engine(store, SourcesFile())
    qs = queries(n_articles, n_queries + WARMUP)
    for _, text, _ in qs[:WARMUP]:
        engine.check_text(text)
    timings: dict[str, list[float]] = {"paraphrase": [], "unrelated": []}
    cpu: list[float] = []  # process CPU time: less sensitive than wall time to other load
    found = 0
    prof = cProfile.Profile() if profile else None
    if prof:
        prof.enable()
    for kind, text, original in qs[WARMUP:]:
        t0, c0 = time.perf_counter(), time.process_time()
        result = engine.check_text(text)
        timings[kind].append(1000.0 * (time.perf_counter() - t0))
        cpu.append(1000.0 * (time.process_time() - c0))
        found += bool(original) and any(m.text == original for m in result.matches)
    if prof:
        prof.disable()
        out = io.StringIO()
        pstats.Stats(prof, stream=out).sort_stats("cumulative").print_stats(30)
        print(out.getvalue(), file=sys.stderr)
    store.close()
    everything = timings["paraphrase"] + timings["unrelated"]
    result_row: dict[str, Any] = {
        "queries": len(everything),
        "p50_ms": round(percentile(everything, 50), 2),
        "p90_ms": round(percentile(everything, 90), 2),
        "p99_ms": round(percentile(everything, 99), 2),
        "max_ms": round(max(everything), 2),
        "mean_ms": round(sum(everything) / len(everything), 2),
        "cpu_p50_ms": round(percentile(cpu, 50), 2),
        "cpu_p99_ms": round(percentile(cpu, 99), 2),
        "p99_paraphrase_ms": round(percentile(timings["paraphrase"], 99), 2),
        "p99_unrelated_ms": round(percentile(timings["unrelated"], 99), 2),
        # share of paraphrase checks whose answer quotes the stored claim they reword
        "paraphrase_source_found": round(found / max(len(timings["paraphrase"]), 1), 3),
        "rss_mb": round(peak_rss_mb(), 1),
        "load_avg_1m": round(load, 2),
    }
    if ingest:
        with tempfile.TemporaryDirectory(prefix="crosscheck-ingest-") as tmp:
            folder = Path(tmp)
            _write_ingest_files(folder, INGEST_ARTICLES)
            copy = folder / "store.db"
            t0 = time.perf_counter()
            shutil.copyfile(path, copy)
            copy_s = time.perf_counter() - t0
            engine = Engine(SQLiteStore(copy), load_sources(folder / "sources.yaml"))
            t0 = time.perf_counter()
            report = engine.ingest()
            took = time.perf_counter() - t0
            engine.close()
        result_row.update(
            ingest_articles=report.added,
            ingest_claims=report.claims,
            ingest_s=round(took, 2),
            ingest_articles_per_s=round(report.added / took, 1) if took else None,
            ingest_errors=len(report.errors),
            store_copy_s=round(copy_s, 1),
            rss_after_ingest_mb=round(peak_rss_mb(), 1),
        )
    result_row["rss_now_mb"] = round(current_rss_mb(), 1)
    return result_row


def run_size(
    n: int, *, n_queries: int, workers: int, rebuild: bool, profile: bool, ingest: bool, log: Any
) -> dict[str, Any]:
    """Build (or reuse) the store for ``n`` claims in this process, measure it in a fresh one."""
    path, meta = store_for(n, workers=workers, rebuild=rebuild, log=log)
    cmd = [sys.executable, str(Path(__file__).resolve()), "--_measure", str(path)]
    cmd += ["--articles", str(meta["articles"]), "--queries", str(n_queries)]
    if profile:
        cmd.append("--profile")
    if not ingest:
        cmd.append("--no-ingest")
    log(f"measuring {n:,} …")
    done = subprocess.run(cmd, stdout=subprocess.PIPE, text=True, check=True)
    measured = json.loads(done.stdout.strip().splitlines()[-1])
    row: dict[str, Any] = {"claims": meta["claims"]}
    row.update(meta)
    row.update(measured)
    row["size_mb"] = round(file_size_mb(path), 1)
    return row


def table(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| claims | articles | build (s) | store (MB) | check p50 (ms) | check p99 (ms) "
        "| ingest (articles/s) | peak RSS (MB) |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in rows:
        ingest = r.get("ingest_articles_per_s")
        lines.append(
            f"| {r['claims']:,} | {r['articles']:,} | {r['build_s']:,.1f} | {r['size_mb']:,.1f} "
            f"| {r['p50_ms']:.1f} | {r['p99_ms']:.1f} "
            f"| {'—' if ingest is None else f'{ingest:.1f}'} | {r['rss_mb']:.0f} |"
        )
    return "\n".join(lines)


def notes(rows: list[dict[str, Any]]) -> list[str]:
    out = []
    for r in rows:
        cached = " (cached)" if r.get("build_cached") else ""
        out.append(
            f"{r['claims']:,} claims: build{cached} {r['build_s']:,.1f} s = features "
            f"{r['features_cpu_s']:,.1f} CPU-s over {r['build_workers']} workers + add_article "
            f"{r['add_article_s']:,.1f} s ({r['add_article_ms']:.2f} ms/article); "
            f"p90 {r['p90_ms']:.1f} ms, max {r['max_ms']:.1f} ms, CPU time p50/p99 "
            f"{r['cpu_p50_ms']:.1f}/{r['cpu_p99_ms']:.1f} ms; paraphrased claim found "
            f"{100 * r['paraphrase_source_found']:.0f}%; load average {r['load_avg_1m']:.1f}"
            + (
                f"; ingest {r['ingest_articles']} articles / {r['ingest_claims']} claims in "
                f"{r['ingest_s']:.1f} s, RSS after ingest {r['rss_after_ingest_mb']:.0f} MB"
                if "ingest_s" in r
                else ""
            )
        )
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--sizes",
        default=",".join(str(s) for s in DEFAULT_SIZES),
        help="claims per store, comma-separated (default %(default)s)",
    )
    ap.add_argument("--queries", type=int, default=200, help="checks timed per size")
    ap.add_argument("--json", action="store_true", help="one JSON object per size, one a line")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="feature processes")
    ap.add_argument("--rebuild", action="store_true", help="ignore cached stores")
    ap.add_argument("--profile", action="store_true", help="cProfile the checks (to stderr)")
    ap.add_argument("--no-ingest", action="store_true", help="skip the ingest measurement")
    ap.add_argument("--_measure", type=Path, default=None, help=argparse.SUPPRESS)
    ap.add_argument("--articles", type=int, default=0, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args._measure is not None:
        row = measure(
            args._measure,
            args.articles,
            args.queries,
            profile=args.profile,
            ingest=not args.no_ingest,
        )
        print(json.dumps(row))
        return 0

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    rows = []
    for n in sizes:
        row = run_size(
            n,
            n_queries=args.queries,
            workers=max(args.workers, 1),
            rebuild=args.rebuild,
            profile=args.profile,
            ingest=not args.no_ingest,
            log=log,
        )
        rows.append(row)
        if args.json:
            print(json.dumps(row), flush=True)
    if not args.json:
        print(table(rows))
        for line in notes(rows):
            print("- " + line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
