"""Claim-retrieval quality on a CheckThat!-format directory (previously fact-checked claims).

    .venv/bin/python bench/retrieval.py --data DIR --split NAME [--json] [--limit N]

``DIR/dataset.json`` names the catalogue (``vclaims``: file, id field, ``text_fields``: the first is
the claim, the rest are context such as its title) and each split's queries (TSV ``id<TAB>text``, no
header) and qrels (TREC ``qid 0 docid rel``). Nothing else about the directory is assumed.

The catalogue is indexed through the project's own store: each catalogue claim becomes one
:class:`~checks.models.Article` (``url`` = ``canonical_url`` = its id, ``title`` = its context
fields) holding one :class:`~checks.models.Claim` whose features are
``features(claim, context=title)``. The built store is cached under ``bench/.cache`` keyed by the
catalogue file's path, size and mtime and by a hash of the engine code that shapes the index, so
reruns only pay for the queries. Each query is cleaned the way ``Engine.check_text`` cleans a claim
and run through ``checks.match.find_matches`` with ``MatchSettings(min_relevance=0.0, top=5)``
(and the engine's default number of full-text candidates); the returned order is the ranking.

Scoring replicates the official CheckThat! 2022 Task 2 scorer, which calls ``trectools``'
``TrecEval.get_map(depth=k)``:

* per query, the run is cut at depth ``k``; walking down the ranks, every qrels *row* that marks
  the document at rank ``i`` relevant adds one to a running count ``c`` and contributes ``c / i``;
* ``AP@k = (sum of contributions) / (number of relevant qrels rows of the query)`` — the
  denominator is *all* gold rows, not ``min(gold, k)``: a query with two gold claims can reach at
  most 0.5 at ``k = 1``;
* a qrels line that appears twice counts twice, as it does in trectools (its document contributes
  ``1/i + 2/i`` over a denominator of 2, so a duplicated gold found at rank 1 scores 1.5);
* ``MAP@k`` is the mean over the split's queries. trectools divides by the queries present in the
  run; a submission lists every query, so here a query the engine returns nothing for counts as 0
  (their number is reported as ``empty_queries``).

``--mode`` picks the retrieval: ``lexical`` (the full-text index and rerank only, no embedder),
``dense`` (the store's vector index alone: the 5 nearest claim vectors by cosine) or ``hybrid``
(what the engine does with an embedder: both, fused and reranked by ``find_matches``); ``all``
runs the three and prints a table per mode. Dense and hybrid need the catalogue's vectors: they
are computed once with the configured embedder (``$CROSSCHECK_EMBEDDER``, MiniLM by default) and
kept in the cached store. Queries are embedded in one batch beforehand; ``embed_ms_per_query``
is that cost per query, ``ms_per_query`` the matching alone.

``map@5_above_min_relevance`` scores the same ranking after dropping matches whose relevance is
below the engine's default ``min_relevance`` (what an answer would actually cite).

``--related`` (hybrid mode) also measures the related-reading tier (``MatchSettings.related``,
``related_cos``): each query is run as an answer is made (the engine's default settings, floor and
tier), once against the whole catalogue and once with the query's own fact-checks left out (a claim
the store does not hold: ``without own``). Reported: the share of queries without any match at the
floor that get a related-reading item (a bot that shows something for every claim it cannot
check shows junk), the share whose gold is found only in the tier, and the tier's size per query.

``Recall@5`` is the mean over queries of the share of distinct gold claims found in the top 5; MRR
is over the top 5 as well. ``ms_per_query`` is wall time per query for cleaning, ``features()`` and
``find_matches`` (store already built and warm).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import cache_dir, code_version, drop_stale, storable

from checks.claims import clean_text, features, strip_links
from checks.embed import Embedder, get_embedder
from checks.enrich import embed_backlog
from checks.ingest import content_hash
from checks.match import MatchSettings, dense_relevance, find_matches
from checks.models import Article, Claim
from checks.store.sqlite import SQLiteStore

MODES = ("lexical", "dense", "hybrid")
BENCH_VERSION = "retrieval-2"  # bump when the way the catalogue is indexed here changes
SOURCE = "catalogue"
DEPTHS = (1, 3, 5)


# --------------------------------------------------------------------------- data


class DataError(Exception):
    pass


def load_manifest(data: Path) -> dict[str, Any]:
    path = data / "dataset.json"
    try:
        manifest: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataError(
            f"{path}: not found (a CheckThat!-format directory has a dataset.json)"
        ) from None
    except json.JSONDecodeError as exc:
        raise DataError(f"{path}: invalid JSON ({exc})") from exc
    if "vclaims" not in manifest or "splits" not in manifest:
        raise DataError(f"{path}: needs 'vclaims' and 'splits'")
    return manifest


def read_catalogue(data: Path, spec: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(id, claim text, context) for every catalogue entry."""
    path = data / spec["file"]
    id_field = spec.get("id", "vclaim_id")
    fields = spec.get("text_fields") or ["vclaim"]
    fmt = spec.get("format", "jsonl")
    if fmt == "jsonl":
        with path.open(encoding="utf-8") as f:
            records = [json.loads(line) for line in f if line.strip()]
    elif fmt == "json":
        loaded = json.loads(path.read_text(encoding="utf-8"))
        records = loaded if isinstance(loaded, list) else list(loaded.values())
    else:
        raise DataError(f"catalogue format {fmt!r} is not supported (jsonl, json)")
    out = []
    for r in records:
        text = " ".join(str(r.get(fields[0]) or "").split())
        context = ". ".join(
            " ".join(str(r[f]).split()) for f in fields[1:] if str(r.get(f) or "").strip()
        )
        out.append((str(r[id_field]), text, context))
    return out


def read_queries(path: Path) -> dict[str, str]:
    queries: dict[str, str] = {}
    with path.open(encoding="utf-8", newline="") as f:
        for line in f:
            line = line.rstrip("\n").rstrip("\r")
            if not line.strip():
                continue
            qid, _, text = line.partition("\t")
            queries[qid.strip()] = text
    return queries


def read_qrels(path: Path) -> dict[str, list[str]]:
    """qid → relevant doc ids, one entry per relevant qrels row (duplicates kept)."""
    gold: dict[str, list[str]] = defaultdict(list)
    with path.open(encoding="utf-8") as f:
        for line in f:
            parts = line.split()
            if len(parts) < 4:
                continue
            qid, _, docid, rel = parts[:4]
            if float(rel) > 0:
                gold[qid].append(docid)
            else:
                gold.setdefault(qid, [])
    return dict(gold)


# --------------------------------------------------------------------------- index


def build_store(path: Path, catalogue: list[tuple[str, str, str]]) -> int:
    """Index the catalogue into a new store; returns how many claims' features needed
    :func:`storable`."""
    store = SQLiteStore(path)
    patched = 0
    try:
        for vid, text, title in catalogue:
            if not text:
                continue
            article = Article(
                source=SOURCE,
                url=vid,
                canonical_url=vid,
                title=title,
                text=text,
                # the id is part of the hash so that catalogue entries with the same wording stay
                # separate documents, as they are for the scorer
                content_hash=content_hash(title, text + "\n" + vid),
            )
            feats, changed = storable(features(text, context=title))
            patched += changed
            claim = Claim(position=0, start=0, end=len(text), text=text, features=feats)
            store.add_article(article, [claim])
    finally:
        store.close()
    return patched


def catalogue_store(
    data: Path, spec: dict[str, Any], *, use_cache: bool = True, log: Any = None
) -> tuple[Path, float, bool]:
    """The path of a store holding the catalogue, the seconds it took, and whether it was cached."""
    src = (data / spec["file"]).resolve()
    st = src.stat()
    key = code_version(
        f"{BENCH_VERSION}|{src}|{st.st_size}|{st.st_mtime_ns}|{json.dumps(spec, sort_keys=True)}"
    )
    path = cache_dir() / f"retrieval-{src.stem}-{key}.db"
    if use_cache and path.exists():
        return path, 0.0, True
    catalogue = read_catalogue(data, spec)
    tmp = path.with_name(path.name + f".tmp{os.getpid()}")
    for suffix in ("", "-wal", "-shm"):
        Path(str(tmp) + suffix).unlink(missing_ok=True)
    if log:
        log(f"indexing {len(catalogue):,} catalogue claims into {path.name} …")
    t0 = time.perf_counter()
    patched = build_store(tmp, catalogue)
    took = time.perf_counter() - t0
    if patched and log:
        log(f"note: {patched} catalogue claims have an unbounded figure (engine bug: see storable)")
    os.replace(tmp, path)
    for suffix in ("-wal", "-shm"):
        Path(str(tmp) + suffix).unlink(missing_ok=True)
    drop_stale(path, f"retrieval-{src.stem}-")
    return path, took, False


# --------------------------------------------------------------------------- scoring


def average_precision(ranked: list[str], gold: list[str], k: int) -> float:
    """AP@k as trectools computes it (see the module docstring)."""
    if not gold:
        return 0.0
    counts: dict[str, int] = defaultdict(int)
    for g in gold:
        counts[g] += 1
    found = 0
    total = 0.0
    for i, doc in enumerate(ranked[:k], 1):
        for _ in range(counts.get(doc, 0)):
            found += 1
            total += found / i
    return total / len(gold)


def recall(ranked: list[str], gold: list[str], k: int) -> float:
    wanted = set(gold)
    return len(wanted & set(ranked[:k])) / len(wanted) if wanted else 0.0


def reciprocal_rank(ranked: list[str], gold: list[str], k: int) -> float:
    wanted = set(gold)
    for i, doc in enumerate(ranked[:k], 1):
        if doc in wanted:
            return 1.0 / i
    return 0.0


def score(runs: dict[str, list[str]], gold: dict[str, list[str]]) -> dict[str, float]:
    qids = [q for q in gold if q in runs]
    n = max(len(qids), 1)
    out = {
        f"map@{k}": sum(average_precision(runs[q], gold[q], k) for q in qids) / n for k in DEPTHS
    }
    out["recall@5"] = sum(recall(runs[q], gold[q], 5) for q in qids) / n
    out["mrr@5"] = sum(reciprocal_rank(runs[q], gold[q], 5) for q in qids) / n
    return out


# --------------------------------------------------------------------------- running


def clean_query(text: str) -> str:
    """What ``Engine.check_text`` hands to matching (its ``validate_claim`` normalisation)."""
    return " ".join(clean_text(text).split())


def embed_catalogue(path: Path, embedder: Embedder, log: Any = None) -> float:
    """Give every catalogue claim its vector (once; kept in the cached store). Seconds taken."""
    store = SQLiteStore(path)
    try:
        if store.vector_model() == embedder.name and not store.vector_backlog():
            return 0.0
        if log:
            log(f"embedding {store.vector_backlog():,} catalogue claims with {embedder.name} …")
        t0 = time.perf_counter()
        embed_backlog(store, embedder, batch=256)
        return time.perf_counter() - t0
    finally:
        store.close()


def run_queries(
    store: SQLiteStore,
    queries: list[tuple[str, str]],
    settings: MatchSettings,
    mode: str = "lexical",
    embedder: Embedder | None = None,
    vectors: dict[str, Any] | None = None,
) -> tuple[dict[str, list[tuple[str, float]]], float]:
    """qid → [(catalogue id, relevance)] in ranked order, and ms per query."""
    runs: dict[str, list[tuple[str, float]]] = {}
    vectors = vectors or {}
    t0 = time.perf_counter()
    for qid, text in queries:
        claim = clean_query(text)
        if not claim:
            runs[qid] = []
        elif mode == "dense":
            assert embedder is not None
            found = store.nearest(embedder.name, vectors[qid], settings.top)
            runs[qid] = [(c.url, dense_relevance(c.cosine or 0.0, settings)) for c in found]
        else:
            scored = find_matches(
                store,
                claim,
                features(claim),
                settings,
                embedder=embedder if mode == "hybrid" else None,
                query_vector=vectors.get(qid),
            )
            runs[qid] = [(s.candidate.url, s.relevance) for s in scored]
    elapsed = time.perf_counter() - t0
    return runs, 1000.0 * elapsed / max(len(queries), 1)


class _Without:
    """A read-only store that does not hold some catalogue entries (by id): the claim a query
    makes, left out to see what an answer shows when the store has nothing that says it."""

    def __init__(self, store: SQLiteStore, left_out: set[str]) -> None:
        self.store = store
        self.left_out = left_out

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)

    def search(self, terms: list[str], *, limit: int, exclude_sources: Any = ()) -> list[Any]:
        got = self.store.search(
            terms, limit=limit + len(self.left_out), exclude_sources=exclude_sources
        )
        return [c for c in got if c.url not in self.left_out][:limit]

    def nearest(self, model: str, vector: Any, k: int, *, exclude_sources: Any = ()) -> list[Any]:
        got = self.store.nearest(
            model, vector, k + len(self.left_out), exclude_sources=exclude_sources
        )
        return [c for c in got if c.url not in self.left_out][:k]


def related_tier(
    store: SQLiteStore,
    queries: list[tuple[str, str]],
    gold: dict[str, list[str]],
    embedder: Embedder,
    vectors: dict[str, Any],
    overrides: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """What the related-reading tier adds to answers (see the module docstring)."""
    settings = MatchSettings(**{k: v for k, v in (overrides or {}).items() if k != "top"})
    out: dict[str, Any] = {"related_cos": settings.related_cos, "related_max": settings.related}
    for name, leave_out in (("all", False), ("without_own", True)):
        no_match = with_reading = reading_items = only_in_reading = shown_any = 0
        for qid, text in queries:
            claim = clean_query(text)
            if not claim:
                continue
            wanted = set(gold.get(qid, []))
            where: Any = _Without(store, wanted) if leave_out else store
            found = find_matches(
                where,
                claim,
                features(claim),
                settings,
                embedder=embedder,
                query_vector=vectors.get(qid),
            )
            judged = [x for x in found if not x.related]
            reading = [x for x in found if x.related]
            reading_items += len(reading)
            shown_any += bool(found)
            if not judged:
                no_match += 1
                with_reading += bool(reading)
            if not leave_out and not any(x.candidate.url in wanted for x in judged[:5]):
                only_in_reading += any(x.candidate.url in wanted for x in reading)
        n = max(len(queries), 1)
        out[name] = {
            "queries": len(queries),
            "without_match": no_match,
            "without_match_with_reading": with_reading,
            "share_without_match_with_reading": round(with_reading / max(no_match, 1), 3),
            "answers_showing_anything": round(shown_any / n, 3),
            "reading_items_per_query": round(reading_items / n, 3),
        }
        if not leave_out:
            out[name]["gold_only_in_reading"] = round(only_in_reading / n, 3)
    return out


def parse_overrides(pairs: list[str]) -> dict[str, Any]:
    types = {f.name: f.type for f in dataclasses.fields(MatchSettings)}
    out: dict[str, Any] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        name = name.strip()
        if not sep or name not in types:
            raise DataError(f"--set {pair!r}: expected NAME=VALUE with NAME one of {sorted(types)}")
        out[name] = float(value) if "float" in str(types[name]) else int(value)
    return out


def evaluate(
    data: Path,
    split: str,
    *,
    limit: int | None = None,
    overrides: dict[str, Any] | None = None,
    use_cache: bool = True,
    run_file: Path | None = None,
    log: Any = None,
    mode: str = "lexical",
    related: bool = False,
) -> dict[str, Any]:
    manifest = load_manifest(data)
    splits = manifest["splits"]
    if split not in splits:
        raise DataError(
            f"split {split!r} is not in {data / 'dataset.json'} (has: {', '.join(splits)})"
        )
    spec = manifest["vclaims"]
    store_path, build_s, cached = catalogue_store(data, spec, use_cache=use_cache, log=log)
    all_queries = read_queries(data / splits[split]["queries"])
    gold = read_qrels(data / splits[split]["qrels"])
    missing = [q for q in gold if q not in all_queries]
    qids = [q for q in gold if q in all_queries]
    if limit:
        qids = qids[:limit]
    gold = {q: gold[q] for q in qids}
    settings = MatchSettings(**{"min_relevance": 0.0, "top": 5, **(overrides or {})})
    embedder = None
    vectors: dict[str, Any] = {}
    embed_ms = 0.0
    if mode != "lexical":
        embedder = get_embedder()
        if embedder is None:
            raise DataError(f"--mode {mode} needs an embedder (CROSSCHECK_EMBEDDER is none)")
        embed_catalogue(store_path, embedder, log)
        # as find_matches embeds a query: links stripped
        texts = [strip_links(clean_query(all_queries[q])) or " " for q in qids]
        t0 = time.perf_counter()
        vectors = dict(zip(qids, embedder.embed(texts), strict=True))
        embed_ms = 1000.0 * (time.perf_counter() - t0) / max(len(qids), 1)
    load = os.getloadavg()[0]  # other work on the machine skews ms_per_query
    store = SQLiteStore(store_path, read_only=True)
    try:
        catalogue_size = store.claim_count()
        # warm the page cache and the lazily built parts of the engine before timing
        warm = [(q, all_queries[q]) for q in qids[:3]]
        run_queries(store, warm, settings, mode, embedder, vectors)
        scored, ms = run_queries(
            store, [(q, all_queries[q]) for q in qids], settings, mode, embedder, vectors
        )
        tier = (
            related_tier(
                store, [(q, all_queries[q]) for q in qids], gold, embedder, vectors, overrides
            )
            if related and mode == "hybrid" and embedder is not None
            else None
        )
    finally:
        store.close()
    runs = {q: [doc for doc, _ in scored[q]] for q in qids}
    if run_file:
        with run_file.open("w", encoding="utf-8") as f:
            for q in qids:
                for rank, doc in enumerate(runs[q], 1):
                    f.write(f"{q}\tQ0\t{doc}\t{rank}\t{1.0 / rank:.6f}\tcrosscheck\n")
    result: dict[str, Any] = score(runs, gold)
    # what an answer would keep: the engine drops matches below its default min_relevance
    floor = MatchSettings().min_relevance
    kept = {q: [doc for doc, rel in scored[q] if rel >= floor] for q in qids}
    at_floor = score(kept, gold)
    result["map@5_above_min_relevance"] = at_floor["map@5"]
    result["recall@5_above_min_relevance"] = at_floor["recall@5"]
    result["min_relevance_default"] = floor
    if tier is not None:
        result["related"] = tier
    result.update(
        mode=mode,
        embedder=embedder.name if embedder is not None else None,
        embed_ms_per_query=round(embed_ms, 2),
        ms_per_query=ms,
        queries=len(qids),
        empty_queries=sum(1 for q in qids if not runs[q]),
        missing_queries=len(missing),
        catalogue=catalogue_size,
        index_build_s=round(build_s, 1),
        index_cached=cached,
        load_avg_1m=round(load, 2),
        split=split,
        data=str(data),
        settings={k: v for k, v in dataclasses.asdict(settings).items()},
    )
    return result


def table(result: dict[str, Any]) -> str:
    rows = [
        f"mode: {result.get('mode', 'lexical')}",
        "",
        "| split | queries | MAP@1 | MAP@3 | MAP@5 | Recall@5 | ms/query | embed ms/query |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        f"| {result['split']} | {result['queries']} | {result['map@1']:.4f} "
        f"| {result['map@3']:.4f} | {result['map@5']:.4f} | {result['recall@5']:.4f} "
        f"| {result['ms_per_query']:.1f} | {result.get('embed_ms_per_query', 0.0):.1f} |",
    ]
    return "\n".join(rows)


def related_table(tier: dict[str, Any]) -> str:
    a, w = tier["all"], tier["without_own"]
    return "\n".join(
        [
            "",
            f"related reading (cosine ≥ {tier['related_cos']}, at most {tier['related_max']}):",
            "",
            "| catalogue | queries without a match | of which get related reading "
            "| related items per query | gold only in related reading |",
            "| --- | ---: | ---: | ---: | ---: |",
            f"| whole | {a['without_match']} | {a['share_without_match_with_reading']:.3f} "
            f"| {a['reading_items_per_query']:.2f} | {a['gold_only_in_reading']:.3f} |",
            f"| without each query's own fact-checks | {w['without_match']} "
            f"| {w['share_without_match_with_reading']:.3f} "
            f"| {w['reading_items_per_query']:.2f} | — |",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, required=True, help="a CheckThat!-format directory")
    ap.add_argument("--split", required=True, help="a split named in DIR/dataset.json")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    ap.add_argument("--limit", type=int, default=None, help="only the first N queries")
    ap.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override a MatchSettings field (repeatable), e.g. --set lexical_weight=1.0",
    )
    ap.add_argument("--no-cache", action="store_true", help="rebuild the catalogue store")
    ap.add_argument("--run", type=Path, default=None, help="also write the ranking as a TREC run")
    ap.add_argument(
        "--mode", choices=[*MODES, "all"], default="lexical", help="retrieval to measure"
    )
    ap.add_argument(
        "--related",
        action="store_true",
        help="(hybrid) also measure the related-reading tier, with and without each query's "
        "own fact-checks in the store",
    )
    args = ap.parse_args(argv)

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    modes = list(MODES) if args.mode == "all" else [args.mode]
    results = []
    try:
        for mode in modes:
            results.append(
                evaluate(
                    args.data,
                    args.split,
                    limit=args.limit,
                    overrides=parse_overrides(args.overrides),
                    use_cache=not args.no_cache,
                    run_file=args.run,
                    log=log,
                    mode=mode,
                    related=args.related,
                )
            )
    except (DataError, OSError, KeyError) as exc:
        print(f"retrieval: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(results[0] if len(results) == 1 else results, sort_keys=True))
        return 0
    for result in results:
        print(table(result))
        built = (
            "cached index" if result["index_cached"] else f"indexed in {result['index_build_s']} s"
        )
        extra = (
            f"MRR@5 {result['mrr@5']:.4f}; catalogue {result['catalogue']:,} claims ({built})"
            f"; {result['empty_queries']} queries without any candidate; keeping only matches"
            f" with relevance ≥ {result['min_relevance_default']} (the engine's default):"
            f" MAP@5 {result['map@5_above_min_relevance']:.4f},"
            f" Recall@5 {result['recall@5_above_min_relevance']:.4f}"
        )
        print(extra)
        if "related" in result:
            print(related_table(result["related"]))
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
