"""The ``sources.yaml`` schema and its loader.

Errors name the file, the line and the field::

    sources.yaml:7: sources[1].weight: Input should be less than or equal to 10
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

from checks.errors import ConfigError
from checks.models import Source

__all__ = [
    "KINDS",
    "CheckConfig",
    "ClaimReviewSource",
    "FactCheckApiSource",
    "FeedSource",
    "FetchConfig",
    "FilesSource",
    "PageSource",
    "SitemapSource",
    "SourceConfig",
    "SourcesFile",
    "load_sources",
]

MAX_CONFIG_BYTES = 1_000_000


def _not_bool(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("must be a number, not yes/no")
    return value


class _Base(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=100)
    weight: Annotated[float, BeforeValidator(_not_bool)] = Field(
        default=1.0, ge=0.0, le=10.0, description="how much its word counts"
    )
    enabled: bool = True
    language: str | None = Field(default=None, description="ISO 639-1 code, e.g. 'en'")
    refresh_minutes: int = Field(default=60, ge=1, le=60 * 24 * 30)

    def as_source(self) -> Source:
        return Source(name=self.name, kind=self.kind, weight=self.weight)  # type: ignore[attr-defined]


class FilesSource(_Base):
    """Local ``.txt``, ``.md`` and ``.html`` files: a file or a directory (searched recursively)."""

    kind: Literal["files"]
    path: Path


def _http_url(value: str) -> str:
    v = value.strip()
    if not re.match(r"^https?://[^/\s]+", v, re.IGNORECASE):
        raise ValueError(f"must be an http(s) URL, got {value!r}")
    return v


HttpURL = Annotated[str, AfterValidator(_http_url)]


class FeedSource(_Base):
    """An RSS or Atom feed: each entry's page is fetched and its article text extracted."""

    kind: Literal["rss", "atom"]
    url: HttpURL
    max_articles: int = Field(default=50, ge=1, le=1000)


class PageSource(_Base):
    """One article URL or a list of them."""

    kind: Literal["page"]
    url: HttpURL | None = None
    urls: list[HttpURL] = Field(default_factory=list)

    @model_validator(mode="after")
    def _one_or_more(self) -> PageSource:
        if not self.url and not self.urls:
            raise ValueError("give 'url' or 'urls'")
        return self

    def all_urls(self) -> list[str]:
        return ([self.url] if self.url else []) + [u for u in self.urls if u != self.url]


class SitemapSource(_Base):
    """A (news) sitemap listing article URLs; a sitemap index is followed one level down."""

    kind: Literal["sitemap"]
    url: HttpURL
    max_articles: int = Field(default=100, ge=1, le=5000)


class ClaimReviewSource(_Base):
    """Fact-check pages carrying schema.org ClaimReview JSON-LD, or a feed of such pages."""

    kind: Literal["claimreview"]
    url: HttpURL | None = None
    urls: list[HttpURL] = Field(default_factory=list)
    feed: HttpURL | None = Field(default=None, description="an RSS/Atom feed of fact-check pages")
    max_articles: int = Field(default=50, ge=1, le=1000)

    @model_validator(mode="after")
    def _one_or_more(self) -> ClaimReviewSource:
        if not self.url and not self.urls and not self.feed:
            raise ValueError("give 'url', 'urls' or 'feed'")
        return self

    def all_urls(self) -> list[str]:
        return ([self.url] if self.url else []) + [u for u in self.urls if u != self.url]


class FactCheckApiSource(_Base):
    """A claims-search API shaped like Google Fact Check Tools' ``claims:search``, per check."""

    kind: Literal["factcheck_api"]
    base_url: HttpURL = "https://factchecktools.googleapis.com/v1alpha1"
    api_key: str | None = Field(default=None, description="prefer api_key_env")
    api_key_env: str | None = Field(default=None, description="environment variable holding it")
    max_results: int = Field(default=10, ge=1, le=100)
    cache_minutes: int = Field(default=24 * 60, ge=0, le=60 * 24 * 30)

    def key(self) -> str | None:
        if self.api_key_env:
            return os.environ.get(self.api_key_env) or self.api_key
        return self.api_key


SourceConfig = Annotated[
    FilesSource | FeedSource | PageSource | SitemapSource | ClaimReviewSource | FactCheckApiSource,
    Field(discriminator="kind"),
]
KINDS = ("files", "rss", "atom", "page", "sitemap", "claimreview", "factcheck_api")


class FetchConfig(BaseModel):
    """How sources and links are fetched (top-level ``fetch:`` in sources.yaml)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    allow_hosts: list[str] = Field(
        default_factory=list,
        description="hosts or IPs that may be fetched although private (e.g. a local test server)",
    )
    timeout: float = Field(default=15.0, gt=0, le=120)
    max_bytes: int = Field(default=5_000_000, ge=10_000, le=100_000_000)
    max_redirects: int = Field(default=5, ge=0, le=20)
    retries: int = Field(default=2, ge=0, le=10)
    per_host: int = Field(default=2, ge=1, le=32)
    concurrency: int = Field(default=4, ge=1, le=64, description="sources ingested at once")
    user_agent: str | None = None


class CheckConfig(BaseModel):
    """How links are checked (top-level ``check:`` in sources.yaml)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    link_claims: int = Field(default=5, ge=1, le=50, description="claims checked per link")


class SourcesFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    sources: list[SourceConfig] = Field(default_factory=list)
    fetch: FetchConfig = Field(default_factory=FetchConfig)
    check: CheckConfig = Field(default_factory=CheckConfig)
    base_dir: Path = Field(default=Path("."), exclude=True)

    def enabled(self) -> list[SourceConfig]:
        return [s for s in self.sources if s.enabled]

    def resolve(self, path: Path) -> Path:
        """A path from the file, relative to the file's own folder."""
        return path if path.is_absolute() else (self.base_dir / path)


def _line_map(
    node: yaml.Node, path: tuple[Any, ...], out: dict[tuple[Any, ...], int], name: str
) -> None:
    out[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        seen: set[Any] = set()
        for key, value in node.value:
            k = key.value
            if k in seen:
                raise ConfigError(f"repeated key {k!r}", path=name, line=key.start_mark.line + 1)
            seen.add(k)
            out[(*path, k)] = key.start_mark.line + 1
            _line_map(value, (*path, k), out, name)
            out[(*path, k)] = key.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _line_map(item, (*path, i), out, name)


def _loc(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part in KINDS or str(part).startswith("function-"):  # pydantic's union tags
            continue
        else:
            out += ("." if out else "") + str(part)
    return out


def load_sources(path: str | Path) -> SourcesFile:
    """Read and validate a sources file; any problem is one :class:`ConfigError` line."""
    p = Path(path)
    name = str(path)
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        raise ConfigError("file not found", path=name) from None
    except IsADirectoryError:
        raise ConfigError("is a directory, not a YAML file", path=name) from None
    except OSError as exc:
        raise ConfigError(f"cannot be read ({exc.strerror})", path=name) from None
    if len(raw) > MAX_CONFIG_BYTES:
        raise ConfigError(f"is too large ({len(raw):,} bytes)", path=name)
    if b"\0" in raw:
        raise ConfigError("is binary, not YAML", path=name)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError("is not UTF-8 text", path=name) from None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(
            f"invalid YAML: {problem}", path=name, line=mark.line + 1 if mark else None
        ) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError("must be a mapping with a 'sources' list", path=name, line=1)
    lines: dict[tuple[Any, ...], int] = {}
    if node is not None:
        _line_map(node, (), lines, name)
    try:
        parsed = SourcesFile.model_validate({**data, "base_dir": p.parent})
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(err["loc"])
        key = tuple(x for x in loc if x not in KINDS and not str(x).startswith("function-"))
        line = None
        for n in range(len(key), -1, -1):
            if key[:n] in lines:
                line = lines[key[:n]]
                break
        msg = err["msg"]
        if err["type"] == "extra_forbidden":
            msg = "unknown field"
        elif err["type"] == "union_tag_invalid":
            kind = (err.get("input") or {}).get("kind")
            msg = f"unknown kind {kind!r} (known: {', '.join(KINDS)})"
        elif err["type"] == "union_tag_not_found":
            msg = f"missing 'kind' (one of: {', '.join(KINDS)})"
        elif msg.startswith("Value error, "):
            msg = msg.removeprefix("Value error, ")
        more = f" (and {len(exc.errors()) - 1} more problems)" if len(exc.errors()) > 1 else ""
        raise ConfigError(msg + more, path=name, line=line, field=_loc(loc) or None) from None
    names = [s.name for s in parsed.sources]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ConfigError(f"source names must be unique; repeated: {', '.join(dupes)}", path=name)
    return parsed
