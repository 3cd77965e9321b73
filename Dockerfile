# Crosscheck: two stages — locked dependencies first (cached), then the source — on a slim Python
# base. Build:  docker build -t crosscheck .
# Run:    docker run -d --name crosscheck -e CROSSCHECK_DISCORD_TOKEN=... -v crosscheck-data:/data \
#           -p 127.0.0.1:8080:8080 crosscheck
#
# The base image. For a reproducible build pin it by digest (README, "Docker": how to look the
# digest up and refresh it), e.g.
#   docker build --build-arg PYTHON_IMAGE=python:3.11-slim@sha256:<digest> -t crosscheck .
# digest: none recorded yet (no registry is reachable where this file was written); the tag
# below is the fallback.
ARG PYTHON_IMAGE=python:3.11-slim

FROM ${PYTHON_IMAGE} AS deps
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /build
# only the lock file: this layer is rebuilt when a pinned version changes, never on a source edit.
# Every package (pip and the build backend, hatchling, included) is pinned with its hashes.
COPY requirements.lock ./
RUN python -m venv /opt/venv \
 && /opt/venv/bin/pip install --require-hashes --no-deps -r requirements.lock

FROM ${PYTHON_IMAGE} AS app
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    CROSSCHECK_DB=/data/crosscheck.db \
    CROSSCHECK_SOURCES=/app/sources.yaml \
    CROSSCHECK_WEB_HOST=0.0.0.0 \
    CROSSCHECK_WEB_PORT=8080 \
    CROSSCHECK_LOG_FORMAT=json
# the runtime user owns only its store folder; /app (code, samples, sources.yaml) stays root's
RUN groupadd --system crosscheck \
 && useradd --system --gid crosscheck --home-dir /data --no-create-home crosscheck \
 && mkdir -p /data && chown crosscheck:crosscheck /data
COPY --from=deps /opt/venv /opt/venv
WORKDIR /app
COPY pyproject.toml README.md sources.yaml ./
COPY checks ./checks
COPY bot ./bot
COPY samples ./samples
# crosscheck itself, built by the locked hatchling already in the venv: no build isolation, so a
# source edit fetches and builds no toolchain
RUN pip install --no-deps --no-build-isolation --no-index . && python -m compileall -q /app
USER crosscheck
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import os, sys, urllib.request; port = os.environ.get('CROSSCHECK_WEB_PORT', '8080'); sys.exit(0 if urllib.request.urlopen(f'http://127.0.0.1:{port}/healthz', timeout=4).status == 200 else 1)"]
ENTRYPOINT ["crosscheck"]
CMD ["bot"]
