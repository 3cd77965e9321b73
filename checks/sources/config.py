"""The ``sources.yaml`` schema and its loader.

Errors name the file, the line and the field::

    sources.yaml:7: sources[1].weight: Input should be less than or equal to 10
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from checks.errors import ConfigError
from checks.models import Source

__all__ = ["FilesSource", "SourceConfig", "SourcesFile", "load_sources"]

MAX_CONFIG_BYTES = 1_000_000


class _Base(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=100)
    weight: float = Field(default=1.0, ge=0.0, le=10.0, description="how much its word counts")
    enabled: bool = True
    language: str | None = Field(default=None, description="ISO 639-1 code, e.g. 'en'")
    refresh_minutes: int = Field(default=60, ge=1, le=60 * 24 * 30)

    def as_source(self) -> Source:
        return Source(name=self.name, kind=self.kind, weight=self.weight)  # type: ignore[attr-defined]


class FilesSource(_Base):
    """Local ``.txt``, ``.md`` and ``.html`` files: a file or a directory (searched recursively)."""

    kind: Literal["files"]
    path: Path


SourceConfig = Annotated[FilesSource, Field(discriminator="kind")]


class SourcesFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    sources: list[SourceConfig] = Field(default_factory=list)
    base_dir: Path = Field(default=Path("."), exclude=True)

    def enabled(self) -> list[SourceConfig]:
        return [s for s in self.sources if s.enabled]

    def resolve(self, path: Path) -> Path:
        """A path from the file, relative to the file's own folder."""
        return path if path.is_absolute() else (self.base_dir / path)


def _line_map(node: yaml.Node, path: tuple[Any, ...], out: dict[tuple[Any, ...], int]) -> None:
    out[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            k = key.value
            out[(*path, k)] = key.start_mark.line + 1
            _line_map(value, (*path, k), out)
            out[(*path, k)] = key.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _line_map(item, (*path, i), out)


def _loc(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part in {"files"}:  # discriminator tags pydantic puts in the location
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
        _line_map(node, (), lines)
    try:
        parsed = SourcesFile.model_validate({**data, "base_dir": p.parent})
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(err["loc"])
        key = tuple(x for x in loc if x != "files")
        line = None
        for n in range(len(key), -1, -1):
            if key[:n] in lines:
                line = lines[key[:n]]
                break
        msg = err["msg"]
        if err["type"] == "extra_forbidden":
            msg = "unknown field"
        elif err["type"] == "union_tag_invalid":
            msg = f"unknown kind {err.get('input', {}).get('kind')!r} (known: files)"
        more = f" (and {len(exc.errors()) - 1} more problems)" if len(exc.errors()) > 1 else ""
        raise ConfigError(msg + more, path=name, line=line, field=_loc(loc) or None) from None
    names = [s.name for s in parsed.sources]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ConfigError(f"source names must be unique; repeated: {', '.join(dupes)}", path=name)
    return parsed
