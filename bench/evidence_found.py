"""Evidence found: does retrieval show the evidence written for a claim? (issue 11's measure)

    .venv/bin/python bench/evidence_found.py [--set healthver|fnc1] [--limit N] [--json]

Each set's sources are stored the way ingestion stores an article (``split_claims`` into
sentences, one article per evidence passage or news body) in a SQLite store cached in
``bench/.cache`` and embedded with the configured embedder (MiniLM by default). Then every
``supports``/``refutes`` pair (HealthVer ``Supports``/``Refutes``; FNC-1 ``agree``/``disagree``)
is checked: its claim (the HealthVer claim, the FNC-1 headline) goes through ``find_matches`` with
the engine's default settings (``min_relevance`` floor; the first 5 matches, as an answer shows),
and the pair counts as *found among all sources* when a sentence of its own evidence is among them
(other passages on the same question compete for those 5 places), and *found alone* when a
sentence of its evidence scores at least ``min_relevance`` (it would be shown if it were the only
source stored). Reported for retrieval by words alone and for hybrid retrieval.

With hybrid retrieval an answer also shows *related reading* (``MatchSettings.related``: sentences
whose cosine is at least ``related_cos`` but below the judging floor, after the judged matches):
*among all, with reading* counts a pair when a sentence of its evidence is among the judged matches
shown or the related reading; *alone, with reading* when a sentence of it is a match or related
reading. The columns without "with reading" count judged matches only, as before the tier.

Data: ``../shared/bench/healthver-dev/healthver_dev.csv`` and ``../shared/bench/fnc1``.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import cache_dir, storable

from checks.claims import clean_text, features, split_claims
from checks.embed import get_embedder
from checks.enrich import embed_backlog
from checks.match import MatchSettings, dense_relevance, find_matches, relevance
from checks.models import Article, ClaimFeatures
from checks.store.sqlite import SQLiteStore

DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "bench"
VERSION = "evidence-1"
SHOWN = 5  # matches an answer shows

csv.field_size_limit(10_000_000)


def pairs(name: str) -> tuple[dict[str, tuple[str, str]], list[tuple[str, str]]]:
    """(doc id → (title, text)) and [(claim, doc id)] of the supports/refutes pairs."""
    docs: dict[str, tuple[str, str]] = {}
    out: list[tuple[str, str]] = []
    if name == "healthver":
        with (DATA / "healthver-dev" / "healthver_dev.csv").open(encoding="utf-8") as f:
            for row in csv.DictReader(f):
                key = hashlib.sha1(row["evidence"].encode()).hexdigest()[:16]
                docs[key] = (row["question"] or "", row["evidence"])
                if row["label"] in ("Supports", "Refutes"):
                    out.append((row["claim"], key))
    else:
        with (DATA / "fnc1" / "competition_test_bodies.csv").open(encoding="utf-8") as f:
            for row in csv.DictReader(f):
                docs[row["Body ID"]] = ("", row["articleBody"])
        with (DATA / "fnc1" / "competition_test_stances.csv").open(encoding="utf-8") as f:
            for row in csv.DictReader(f):
                if row["Stance"] in ("agree", "disagree"):
                    out.append((row["Headline"], row["Body ID"]))
    return docs, out


def store_for(name: str, docs: dict[str, tuple[str, str]], log: Any) -> Path:
    path = cache_dir() / f"evidence-{name}-{VERSION}.db"
    if path.exists():
        return path
    tmp = path.with_name(path.name + ".tmp")
    tmp.unlink(missing_ok=True)
    store = SQLiteStore(tmp)
    try:
        log(f"storing {len(docs):,} {name} documents …")
        for key, (title, text) in docs.items():
            claims = [
                c.model_copy(update={"features": storable(c.features)[0]})
                for c in split_claims(text, title=title)
            ]
            store.add_article(
                Article(
                    source=name,
                    url=f"doc:{key}",
                    canonical_url=f"doc:{key}",
                    title=title,
                    text=text,
                    content_hash=hashlib.sha256((key + text).encode()).hexdigest(),
                ),
                claims,
            )
        emb = get_embedder()
        if emb is not None:
            log(f"embedding {store.vector_backlog():,} sentences with {emb.name} …")
            t0 = time.perf_counter()
            n = embed_backlog(store, emb, batch=128)
            log(f"  {n / (time.perf_counter() - t0):.0f} sentences/s")
    finally:
        store.close()
    tmp.rename(path)
    vec = Path(str(tmp) + ".vectors")
    if vec.exists():
        vec.rename(str(path) + ".vectors")
    return path


def measure(name: str, limit: int | None, log: Any) -> dict[str, Any]:
    docs, todo = pairs(name)
    path = store_for(name, docs, log)
    if limit:
        todo = todo[:limit]
    emb = get_embedder()
    settings = MatchSettings()
    store = SQLiteStore(path, read_only=True)
    out: dict[str, Any] = {"set": name, "pairs": len(todo), "documents": len(docs)}
    try:
        sentences: dict[str, list[tuple[int, str, ClaimFeatures]]] = {}
        for r in store._read(
            "SELECT c.id, c.text, c.features, a.url FROM claims c "
            "JOIN articles a ON a.id = c.article_id"
        ):
            feats = ClaimFeatures.model_validate_json(r["features"])
            sentences.setdefault(r["url"], []).append((int(r["id"]), r["text"], feats))
        texts = [" ".join(clean_text(claim).split()) for claim, _ in todo]
        vectors = emb.embed(texts) if emb is not None else None
        for mode in ("lexical", "hybrid"):
            among = alone = among_reading = alone_reading = 0
            t0 = time.perf_counter()
            for n, (text, (_, key)) in enumerate(zip(texts, todo, strict=True)):
                feats = features(text)
                use = emb if mode == "hybrid" else None
                q = vectors[n] if vectors is not None and use is not None else None
                got = find_matches(store, text, feats, embedder=use, query_vector=q)
                judged = [m for m in got if not m.related]
                among += any(m.candidate.url == f"doc:{key}" for m in judged[:SHOWN])
                # an answer shows its judged matches first, then related reading, SHOWN in all
                shown = judged[:SHOWN] + [m for m in got if m.related]
                among_reading += any(m.candidate.url == f"doc:{key}" for m in shown[:SHOWN])
                # alone: would a sentence of its evidence be a match if nothing else were stored?
                own = sentences.get(f"doc:{key}", [])
                cos = (
                    store.cosines(emb.name, q, [i for i, _, _ in own])
                    if emb is not None and q is not None
                    else {}
                )
                best = max(
                    (
                        max(
                            relevance(text, feats, t, f, settings=settings),
                            dense_relevance(cos[i], settings) if i in cos else 0.0,
                        )
                        for i, t, f in own
                    ),
                    default=0.0,
                )
                alone += best >= settings.min_relevance
                near = max(cos.values(), default=-1.0)
                alone_reading += best >= settings.min_relevance or (
                    settings.related > 0 and near >= settings.related_cos
                )
            out[mode] = round(among / max(len(todo), 1), 3)
            out[f"{mode}_alone"] = round(alone / max(len(todo), 1), 3)
            out[f"{mode}_with_reading"] = round(among_reading / max(len(todo), 1), 3)
            out[f"{mode}_alone_with_reading"] = round(alone_reading / max(len(todo), 1), 3)
            out[f"{mode}_ms_per_pair"] = round(1000 * (time.perf_counter() - t0) / len(todo), 1)
    finally:
        store.close()
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--set", dest="sets", action="append", choices=["healthver", "fnc1"])
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    rows = [measure(s, args.limit, log) for s in (args.sets or ["healthver", "fnc1"])]
    if args.json:
        print(json.dumps(rows))
        return 0
    print(
        "| set | supports+refutes pairs | among all sources: words | hybrid "
        "| hybrid, with reading | its evidence alone: words | hybrid | hybrid, with reading |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in rows:
        print(
            f"| {r['set']} | {r['pairs']:,} | {r['lexical']:.3f} | {r['hybrid']:.3f} "
            f"| {r['hybrid_with_reading']:.3f} | {r['lexical_alone']:.3f} "
            f"| {r['hybrid_alone']:.3f} | {r['hybrid_alone_with_reading']:.3f} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
