"""Web surface under a bounded local load: requests per second and latency of ``crosscheck serve``.

    .venv/bin/python bench/web_load.py [--concurrency 8] [--seconds 5] [--requests N] [--json]

The bundled samples are ingested into a fresh store in a temporary folder; ``crosscheck serve``
then runs on a free port of 127.0.0.1 with an API token and no ingestion loop. Each endpoint is
loaded in turn by ``--concurrency`` aiohttp clients for ``--seconds`` seconds (or until
``--requests`` requests were sent, whichever comes first), after a short warm-up:

* ``GET /healthz`` — liveness, the cheapest answer the process gives;
* ``POST /v1/check`` — a rotation of claims (supported, disputed, unverified) through the engine.

Printed: a markdown table of requests/s, p50 and p99 latency (ms) and errors (non-200 answers and
failed connections); ``--json`` prints one ``{"endpoint", "rps", "p50_ms", "p99_ms", "errors"}``
object a line. Loopback only; the server is stopped (SIGTERM, then killed) in all cases.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
from _common import ROOT, machine, percentile, today

TOKEN = "bench-web-load"
CLAIMS = (
    "Britain may put 10,000 troops in Ukraine",
    "The UK plans to send 25,000 troops to Ukraine",
    "North Korea's armed forces number about 1.2 million",
    "Medvedev said troops from NATO countries are welcome as peacekeepers",
    "The moon landing was staged",
)
WARMUP = 20  # requests per endpoint before timing
MAX_SECONDS = 60.0  # hard bound per endpoint, whatever the arguments say


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


@dataclass
class Result:
    endpoint: str
    requests: int
    seconds: float
    latencies_ms: list[float]
    errors: int

    def row(self) -> dict[str, Any]:
        return {
            "endpoint": self.endpoint,
            "rps": round(self.requests / self.seconds, 1) if self.seconds else 0.0,
            "p50_ms": round(percentile(self.latencies_ms, 50), 2),
            "p99_ms": round(percentile(self.latencies_ms, 99), 2),
            "errors": self.errors,
        }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def child_env(**settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CROSSCHECK_")}
    env["PYTHONPATH"] = str(ROOT)
    env.update({f"CROSSCHECK_{k.upper()}": v for k, v in settings.items()})
    return env


def prepare(folder: Path) -> None:
    """The samples and their configuration in ``folder``, ingested into ``crosscheck.db``."""
    shutil.copytree(ROOT / "samples", folder / "samples")
    shutil.copy(ROOT / "sources.yaml", folder / "sources.yaml")
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "--db", "crosscheck.db", "ingest"],
        cwd=folder,
        env=child_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    if done.returncode != 0:
        raise SystemExit(f"ingest failed: {done.stderr.strip()}")


async def wait_healthy(base: str, proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession() as http:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise SystemExit(f"crosscheck serve exited with {proc.returncode}")
            try:
                async with http.get(base + "/healthz") as r:
                    if r.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.05)
    raise SystemExit("crosscheck serve did not become healthy")


async def load(
    http: aiohttp.ClientSession,
    endpoint: str,
    send: Any,
    *,
    concurrency: int,
    seconds: float,
    requests: int | None,
) -> Result:
    """``concurrency`` workers send until the time or the request budget runs out."""
    latencies: list[float] = []
    errors = 0
    sent = 0

    async def worker() -> None:
        nonlocal errors, sent
        while True:
            if requests is not None and sent >= requests:
                return
            if time.monotonic() >= stop_at:
                return
            n = sent
            sent += 1
            t = time.perf_counter()
            try:
                status = await send(http, n)
            except (aiohttp.ClientError, TimeoutError):
                status = None
            latencies.append((time.perf_counter() - t) * 1000)
            if status != 200:
                errors += 1

    for n in range(WARMUP):
        await send(http, n)
    started = time.monotonic()
    stop_at = started + min(seconds, MAX_SECONDS)
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return Result(endpoint, sent, time.monotonic() - started, latencies, errors)


async def run(args: argparse.Namespace, base: str) -> list[Result]:
    auth = {"Authorization": f"Bearer {TOKEN}"}

    async def healthz(http: aiohttp.ClientSession, n: int) -> int:
        async with http.get(base + "/healthz") as r:
            await r.read()
            return r.status

    async def check(http: aiohttp.ClientSession, n: int) -> int:
        body = {"claim": CLAIMS[n % len(CLAIMS)]}
        async with http.post(base + "/v1/check", json=body, headers=auth) as r:
            await r.read()
            return r.status

    timeout = aiohttp.ClientTimeout(total=30)
    connector = aiohttp.TCPConnector(limit=args.concurrency)
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as http:
        out = []
        for name, send in (("GET /healthz", healthz), ("POST /v1/check", check)):
            log(f"{name}: concurrency {args.concurrency}, {args.seconds:g} s …")
            out.append(
                await load(
                    http,
                    name,
                    send,
                    concurrency=args.concurrency,
                    seconds=args.seconds,
                    requests=args.requests,
                )
            )
        return out


def table(results: list[Result], args: argparse.Namespace) -> str:
    lines = [
        f"**Web surface** — `crosscheck serve` on loopback, the bundled samples ingested, "
        f"{args.concurrency} concurrent aiohttp clients for {args.seconds:g} s per endpoint"
        + (f" (at most {args.requests} requests)" if args.requests else "")
        + f". {machine()}; {today()}.",
        "",
        "| endpoint | requests/s | p50 ms | p99 ms | errors |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        row = r.row()
        lines.append(
            f"| `{row['endpoint']}` | {row['rps']:,.0f} | {row['p50_ms']:.1f} | "
            f"{row['p99_ms']:.1f} | {row['errors']} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--concurrency", type=int, default=8, help="clients at once")
    ap.add_argument("--seconds", type=float, default=5.0, help="time per endpoint (max 60)")
    ap.add_argument("--requests", type=int, default=None, help="at most this many per endpoint")
    ap.add_argument("--json", action="store_true", help="one JSON object per endpoint, a line")
    args = ap.parse_args(argv)
    if (
        args.concurrency < 1
        or args.seconds <= 0
        or (args.requests is not None and args.requests < 1)
    ):
        ap.error("--concurrency, --seconds and --requests must be positive")

    with tempfile.TemporaryDirectory(prefix="crosscheck-web-load-") as tmp:
        folder = Path(tmp)
        log("ingesting the samples …")
        prepare(folder)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server_log = (folder / "serve.log").open("wb")
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bot.cli",
                "--db",
                "crosscheck.db",
                "serve",
                "--port",
                str(port),
            ],
            cwd=folder,
            env=child_env(api_token=TOKEN, ingest_every="0", log_level="warning"),
            stdout=server_log,
            stderr=server_log,
        )
        try:

            async def go() -> list[Result]:
                await wait_healthy(base, proc)
                return await run(args, base)

            results = asyncio.run(go())
        finally:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
            server_log.close()

    if args.json:
        for r in results:
            print(json.dumps(r.row()))
    else:
        print(table(results, args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
