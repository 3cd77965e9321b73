"""The ``sources.yaml`` schema and its loader.

Errors name the file, the line and the field::

    sources.yaml:7: sources[1].weight: Input should be less than or equal to 10

The file is read defensively, since a bad one must be one line and never a hang: it must be a
regular file of at most :data:`MAX_CONFIG_BYTES`; its nesting may go :data:`MAX_DEPTH` levels
deep; anchors and aliases (``&defaults`` … ``<<: *defaults``) are allowed as long as the document
they spell out stays under :data:`MAX_NODES` values and :data:`MAX_DEPTH` levels (a few hundred
bytes of nested aliases can otherwise spell out billions of values). Depth is counted on the
parser's event stream before any tree is built; the expanded size is counted on the node graph,
each anchored node once, before the document is turned into Python data.

A ``files`` source's ``path`` is relative to the folder of the sources file and must stay inside
it: ``..`` that leaves it is refused (the check is on the path as written; a link the operator
put in that folder is followed). An absolute path names files anywhere. It may not be empty
(write ``.`` for the folder itself). Inside the source's folder, links leaving it are refused
when the files are read (see :mod:`checks.sources.files`).
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
from checks.safe_read import FileRefused, read_regular_file

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
MAX_DEPTH = 50  # levels of nesting, aliases spelled out
MAX_NODES = 100_000  # values in the document, aliases spelled out

_TOO_DEEP = f"is nested too deeply (more than {MAX_DEPTH} levels)"
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _not_bool(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("must be a number, not yes/no")
    return value


class _Base(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=100)
    weight: Annotated[float, BeforeValidator(_not_bool)] = Field(
        default=1.0, ge=0.0, le=10.0, allow_inf_nan=False, description="how much its word counts"
    )
    enabled: bool = True
    language: str | None = Field(default=None, description="ISO 639-1 code, e.g. 'en'")
    refresh_minutes: int = Field(default=60, ge=1, le=60 * 24 * 30)

    def as_source(self) -> Source:
        return Source(name=self.name, kind=self.kind, weight=self.weight)  # type: ignore[attr-defined]


def _files_path(value: Any) -> Any:
    """Not empty; relative paths normalised and kept inside the sources file's folder."""
    if not isinstance(value, str | os.PathLike):
        return value
    text = os.fspath(value)
    if not isinstance(text, str) or not text.strip():
        raise ValueError("must not be empty (write '.' for the folder of the sources file)")
    if os.path.isabs(text):
        return Path(os.path.normpath(text))
    norm = os.path.normpath(text)
    if norm == os.pardir or norm.startswith(os.pardir + os.sep):
        raise ValueError(
            "must stay inside the folder of the sources file (use an absolute path for "
            "files elsewhere)"
        )
    return Path(norm)


class FilesSource(_Base):
    """Local ``.txt``, ``.md`` and ``.html`` files: a file or a directory (searched recursively).

    A relative ``path`` is taken from the sources file's folder and may not leave it."""

    kind: Literal["files"]
    path: Annotated[Path, BeforeValidator(_files_path)]


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
        """The pages to read, each once."""
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
        """The sitemaps to read, each once."""
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
        """The API key, from its environment variable when one is named."""
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
    """A whole sources.yaml: the sources, fetch limits and check settings."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    sources: list[SourceConfig] = Field(default_factory=list)
    fetch: FetchConfig = Field(default_factory=FetchConfig)
    check: CheckConfig = Field(default_factory=CheckConfig)
    base_dir: Path = Field(default=Path("."), exclude=True)

    def enabled(self) -> list[SourceConfig]:
        """The sources not switched off."""
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
            if not isinstance(key, yaml.ScalarNode):
                raise ConfigError(
                    "keys must be plain words, not lists or mappings",
                    path=name,
                    line=key.start_mark.line + 1,
                )
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


def _check_events(text: str, name: str) -> int:
    """Refuse nesting beyond :data:`MAX_DEPTH` before any tree is built; the number of aliases."""
    depth = aliases = 0
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                mark = event.start_mark
                raise ConfigError(_TOO_DEEP, path=name, line=mark.line + 1 if mark else None)
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
        elif isinstance(event, yaml.AliasEvent):
            aliases += 1
    return aliases


def _check_expansion(root: yaml.Node, name: str, aliases: int) -> None:
    """Refuse a document whose aliases spell out more than :data:`MAX_NODES` values or
    :data:`MAX_DEPTH` levels, or refer to themselves. Each node is measured once."""
    measured: dict[int, tuple[int, int]] = {}  # id(node) -> (values, levels) spelled out
    open_: set[int] = set()

    def too_big(line: int) -> ConfigError:
        what = "aliases spell out" if aliases else "has"
        return ConfigError(f"{what} more than {MAX_NODES:,} values", path=name, line=line)

    def measure(node: yaml.Node, depth: int) -> tuple[int, int]:
        key = id(node)
        if key in open_:
            raise ConfigError(
                "an alias refers to the node that contains it",
                path=name,
                line=node.start_mark.line + 1,
            )
        if key not in measured:
            if isinstance(node, yaml.MappingNode):
                children = [part for pair in node.value for part in pair]
            elif isinstance(node, yaml.SequenceNode):
                children = list(node.value)
            else:
                children = []
            open_.add(key)
            size, height = 1, 0
            for child in children:
                if depth + 1 > MAX_DEPTH:
                    raise ConfigError(
                        f"is nested too deeply through aliases (more than {MAX_DEPTH} levels)",
                        path=name,
                        line=child.start_mark.line + 1,
                    )
                s, h = measure(child, depth + 1)
                size, height = size + s, max(height, h + 1)
                if size > MAX_NODES:
                    raise too_big(child.start_mark.line + 1)
            open_.discard(key)
            measured[key] = (size, height)
        size, height = measured[key]
        if depth + height > MAX_DEPTH:
            raise ConfigError(
                f"is nested too deeply through aliases (more than {MAX_DEPTH} levels)",
                path=name,
                line=node.start_mark.line + 1,
            )
        return size, height

    total, _ = measure(root, 0)
    if total > MAX_NODES:
        raise too_big(root.start_mark.line + 1)


def _parse(text: str, name: str) -> tuple[yaml.Node | None, Any, dict[tuple[Any, ...], int]]:
    """The document's node tree, its data and the line of every key path, within the limits."""
    aliases = _check_events(text, name)
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        lines: dict[tuple[Any, ...], int] = {}
        if node is None:
            return None, None, lines
        _check_expansion(node, name, aliases)
        _line_map(node, (), lines, name)  # before constructing: merge keys rewrite the nodes
        return node, loader.construct_document(node), lines
    finally:
        loader.dispose()


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
        raw = read_regular_file(p, limit=MAX_CONFIG_BYTES)
    except FileRefused as exc:
        reason = {
            "does not exist": "file not found",
            "is a directory": "is a directory, not a YAML file",
            "is not a regular file": "is not a regular file (a device, pipe or socket cannot "
            "be a sources file)",
        }.get(exc.reason, exc.reason)
        raise ConfigError(reason, path=name) from None
    if b"\0" in raw:
        raise ConfigError("is binary, not YAML", path=name)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError("is not UTF-8 text", path=name) from None
    try:
        _node, data, lines = _parse(text, name)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(
            f"invalid YAML: {problem}", path=name, line=mark.line + 1 if mark else None
        ) from None
    except RecursionError:  # the limits above should make this unreachable; one line if not
        raise ConfigError(_TOO_DEEP, path=name) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError("must be a mapping with a 'sources' list", path=name, line=1)
    try:
        parsed = SourcesFile.model_validate({**data, "base_dir": p.parent})
    except RecursionError:
        raise ConfigError(_TOO_DEEP, path=name) from None
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
