"""Stance cost: CPU time to judge one claim's 20 candidates, frames already stored.

    .venv/bin/python bench/stance_speed.py [--claims 300] [--candidates 20] [--nli MODEL_DIR]

Real claims and evidence sentences from ``../shared/bench/`` (HealthVer and FNC-1): each claim
is given its 20 most relevant evidence sentences (padded with other evidence sentences when it
has fewer), their parses made beforehand, as a store with frames provides them. Timed per check:
building each candidate's side (cue words) and :func:`checks.stance.judge` for all 20 —
alignment, comparison and the model — and, apart, parsing the query claim once (the one parse a
check makes). CPU time (``time.process_time``) next to wall time, p50/p95/p99.

``--nli MODEL_DIR`` adds the optional inference model as a check runs it: the 20 (sentence,
claim) pairs scored in one batch, then each judged with its probabilities; timed apart and with
the judging (the model's threads: ``CROSSCHECK_NLI_THREADS``, default 1).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import percentile
from train_stance import DEFAULT_FNC1, DEFAULT_HEALTHVER, _sentences
from verify import load

from checks.align import side
from checks.claims import features
from checks.frames import parse_claim, parse_claims
from checks.stance import judge, load_model
from checks.text_index import relevance_terms


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--claims", type=int, default=300)
    ap.add_argument("--candidates", type=int, default=20)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--nli", type=Path, default=None, metavar="MODEL_DIR")
    args = ap.parse_args(argv)
    model = None
    if args.nli is not None:
        from checks.errors import CheckError
        from checks.nli import ENV_VAR, get_model

        os.environ[ENV_VAR] = str(args.nli.expanduser().resolve())
        try:
            model = get_model()
        except CheckError as exc:
            print(f"stance_speed: {exc}", file=sys.stderr)
            return 2
    rng = random.Random(args.seed)
    pairs = []
    for path in (DEFAULT_HEALTHVER, DEFAULT_FNC1):
        data = load(path)
        chosen = rng.sample(data.pairs, min(args.claims // 2, len(data.pairs)))
        pairs += [(p.claim, data.evidence[p.evidence_id]) for p in chosen]
    pool = [s for _, ev in pairs[:50] for s, _ in _sentences(ev)[0]]
    load_model()
    parse_claim("A warm-up sentence is parsed before timing.")
    checks = []
    for claim, ev in pairs:
        sents = [s for s, _ in _sentences(ev)[0]][: args.candidates]
        while len(sents) < args.candidates:
            sents.append(rng.choice(pool))
        stored = [
            (s, features(s), p, relevance_terms(s, features(s).entities))
            for s, p in zip(sents, parse_claims(sents), strict=True)
        ]
        checks.append((claim, stored))
    if model is not None:
        model.score([("A warm-up sentence.", "A warm-up claim.")])
    judge_cpu, judge_wall, parse_cpu, nli_cpu, nli_wall = [], [], [], [], []
    for claim, stored in checks:
        c0 = time.process_time()
        query = side(claim)
        parse_cpu.append((time.process_time() - c0) * 1000)
        c0, w0 = time.process_time(), time.perf_counter()
        sides = [
            side(text, feats, parse, terms=terms, parsed=False)
            for text, feats, parse, terms in stored
        ]
        reads: list = [None] * len(sides)
        if model is not None:
            n0, nw0 = time.process_time(), time.perf_counter()
            reads = model.score([(s.text, query.text) for s in sides])
            nli_cpu.append((time.process_time() - n0) * 1000)
            nli_wall.append((time.perf_counter() - nw0) * 1000)
        for s, read in zip(sides, reads, strict=True):
            judge(query, s, 0.6, nli=read)
        judge_cpu.append((time.process_time() - c0) * 1000)
        judge_wall.append((time.perf_counter() - w0) * 1000)

    def row(name: str, xs: list[float]) -> str:
        ps = " / ".join(f"{percentile(xs, q):.2f}" for q in (50, 95, 99))
        return f"| {name} | {ps} |"

    print(f"{len(checks)} checks × {args.candidates} candidates (ms, p50 / p95 / p99)")
    print("| measure | ms |\n| --- | ---: |")
    print(row("judge 20 candidates, CPU", judge_cpu))
    print(row("judge 20 candidates, wall", judge_wall))
    if model is not None:
        print(row(f"of which NLI model {model.name}, one batch, CPU", nli_cpu))
        print(row(f"of which NLI model {model.name}, one batch, wall", nli_wall))
    print(row("parse the query claim once, CPU", parse_cpu))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
