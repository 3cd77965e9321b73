# Crosscheck: two stages — dependencies first (cached), then the source — on a slim Python base.
# Build:  docker build -t crosscheck .
# Run:    docker run -d --name crosscheck -e CROSSCHECK_DISCORD_TOKEN=... -v crosscheck-data:/data \
#           -p 127.0.0.1:8080:8080 crosscheck
FROM python:3.11-slim AS deps
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /build
# only the dependency list: this layer is rebuilt when dependencies change, not on every edit
COPY pyproject.toml ./
RUN python -m venv /opt/venv \
 && /opt/venv/bin/pip install --upgrade pip \
 && /opt/venv/bin/python -c "import tomllib; d = tomllib.load(open('pyproject.toml', 'rb')); print('\n'.join(d['project']['dependencies']))" > requirements.txt \
 && /opt/venv/bin/pip install -r requirements.txt

FROM python:3.11-slim AS app
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    CROSSCHECK_DB=/data/crosscheck.db \
    CROSSCHECK_SOURCES=/app/sources.yaml \
    CROSSCHECK_WEB_HOST=0.0.0.0 \
    CROSSCHECK_WEB_PORT=8080 \
    CROSSCHECK_LOG_FORMAT=json
RUN groupadd --system crosscheck && useradd --system --gid crosscheck --home /app crosscheck \
 && mkdir -p /data && chown crosscheck:crosscheck /data
COPY --from=deps /opt/venv /opt/venv
WORKDIR /app
COPY pyproject.toml README.md sources.yaml ./
COPY checks ./checks
COPY bot ./bot
COPY samples ./samples
RUN pip install --no-deps . && chown -R crosscheck:crosscheck /app
USER crosscheck
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import os, sys, urllib.request; port = os.environ.get('CROSSCHECK_WEB_PORT', '8080'); sys.exit(0 if urllib.request.urlopen(f'http://127.0.0.1:{port}/healthz', timeout=4).status == 200 else 1)"]
ENTRYPOINT ["crosscheck"]
CMD ["bot"]
