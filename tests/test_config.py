"""checks.sources.config: sources.yaml is validated and every problem is one line naming the
file, the line and the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from checks.errors import ConfigError
from checks.sources.config import FeedSource, FilesSource, PageSource, load_sources


def _write(tmp_path: Path, text: str, name: str = "sources.yaml") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def _error(path: Path) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        load_sources(path)
    return info.value


VALID = """\
sources:
  - name: Local Wire
    kind: files
    path: articles/wire
    weight: 0.8
  - name: Example Feed
    kind: rss
    url: https://feeds.example.org/world.xml
    weight: 0.5
    refresh_minutes: 30
  - name: Old Page
    kind: page
    url: https://news.example.org/a
    enabled: false
fetch:
  timeout: 5
check:
  link_claims: 3
"""


def test_valid_file_loads_every_source(tmp_path: Path) -> None:
    cfg = load_sources(_write(tmp_path, VALID))
    wire, feed, page = cfg.sources
    assert isinstance(wire, FilesSource)
    assert (wire.name, wire.weight) == ("Local Wire", 0.8)
    assert isinstance(feed, FeedSource)
    assert (feed.url, feed.refresh_minutes) == ("https://feeds.example.org/world.xml", 30)
    assert isinstance(page, PageSource)
    assert cfg.fetch.timeout == 5
    assert cfg.check.link_claims == 3


def test_disabled_sources_are_loaded_but_not_enabled(tmp_path: Path) -> None:
    cfg = load_sources(_write(tmp_path, VALID))
    assert [s.name for s in cfg.enabled()] == ["Local Wire", "Example Feed"]


def test_source_as_engine_source(tmp_path: Path) -> None:
    wire = load_sources(_write(tmp_path, VALID)).sources[0]
    src = wire.as_source()
    assert (src.name, src.kind, src.weight) == ("Local Wire", "files", 0.8)


def test_defaults(tmp_path: Path) -> None:
    cfg = load_sources(_write(tmp_path, "sources:\n  - name: A\n    kind: files\n    path: a\n"))
    (a,) = cfg.sources
    assert a.weight == 1.0 and a.enabled


def test_empty_file_has_no_sources(tmp_path: Path) -> None:
    assert load_sources(_write(tmp_path, "")).sources == []


def test_paths_are_relative_to_the_sources_file(tmp_path: Path, monkeypatch) -> None:
    conf = tmp_path / "conf"
    conf.mkdir()
    p = _write(conf, "sources:\n  - name: A\n    kind: files\n    path: articles/a\n")
    monkeypatch.chdir(tmp_path)  # the current folder must not matter
    cfg = load_sources(Path("conf") / "sources.yaml")
    assert cfg.resolve(cfg.sources[0].path).resolve() == (conf / "articles" / "a").resolve()
    assert p.exists()


def test_absolute_paths_are_kept(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere"
    cfg = load_sources(
        _write(tmp_path, f"sources:\n  - name: A\n    kind: files\n    path: {target}\n")
    )
    assert cfg.resolve(cfg.sources[0].path) == target


def test_the_bundled_sources_file_is_valid() -> None:
    root = Path(__file__).resolve().parent.parent
    cfg = load_sources(root / "sources.yaml")
    assert cfg.sources
    for s in cfg.sources:
        if isinstance(s, FilesSource):
            assert cfg.resolve(s.path).exists(), s.name


# --------------------------------------------------------------------------- errors


def test_malformed_yaml_names_file_and_line(tmp_path: Path) -> None:
    p = _write(
        tmp_path,
        "sources:\n  - name: A\n    kind: files\n    path: a\n  - name: B: C: D\n    kind: files\n",
    )
    err = _error(p)
    assert err.path == str(p)
    assert err.line == 5
    assert f"{p}:5:" in str(err)
    assert "invalid YAML" in str(err)


def test_bad_indentation_names_the_line(tmp_path: Path) -> None:
    p = _write(tmp_path, "sources:\n  - name: A\n    kind: files\n   path: x\n")
    err = _error(p)
    assert err.line == 4
    assert "invalid YAML" in str(err)


def test_tab_indentation_names_the_line(tmp_path: Path) -> None:
    err = _error(_write(tmp_path, "sources:\n\t- name: A\n"))
    assert err.line == 2


def test_unknown_field_names_line_and_field(tmp_path: Path) -> None:
    p = _write(
        tmp_path,
        "sources:\n  - name: A\n    kind: files\n    path: a\n    colour: red\n",
    )
    err = _error(p)
    assert err.line == 5
    assert err.field == "sources[0].colour"
    assert str(err) == f"{p}:5: sources[0].colour: unknown field"


def test_unknown_top_level_field(tmp_path: Path) -> None:
    err = _error(_write(tmp_path, "sources: []\nfetchh:\n  timeout: 3\n"))
    assert (err.line, err.field) == (2, "fetchh")
    assert "unknown field" in str(err)


def test_wrong_type_for_weight_names_field_and_line(tmp_path: Path) -> None:
    p = _write(
        tmp_path,
        "sources:\n"
        "  - name: A\n    kind: files\n    path: a\n"
        "  - name: B\n    kind: files\n    path: b\n    weight: heavy\n",
    )
    err = _error(p)
    assert err.line == 8
    assert err.field == "sources[1].weight"
    assert "number" in str(err)
    assert str(err).startswith(f"{p}:8: sources[1].weight:")


def test_weight_out_of_range_names_the_limit(tmp_path: Path) -> None:
    err = _error(
        _write(tmp_path, "sources:\n  - name: A\n    kind: files\n    path: a\n    weight: 11\n")
    )
    assert (err.line, err.field) == (5, "sources[0].weight")
    assert "10" in str(err)


def test_negative_weight_is_refused(tmp_path: Path) -> None:
    err = _error(
        _write(tmp_path, "sources:\n  - name: A\n    kind: files\n    path: a\n    weight: -1\n")
    )
    assert err.field == "sources[0].weight"


@pytest.mark.parametrize("value", ["no", "yes", "true"])
def test_boolean_weight_is_a_type_error(tmp_path: Path, value: str) -> None:
    err = _error(
        _write(
            tmp_path, f"sources:\n  - name: A\n    kind: files\n    path: a\n    weight: {value}\n"
        )
    )
    assert (err.line, err.field) == (5, "sources[0].weight")


def test_repeated_key_names_its_line(tmp_path: Path) -> None:
    err = _error(
        _write(
            tmp_path,
            "sources:\n  - name: A\n    kind: files\n    path: a\n    weight: 0.1\n    weight: 5\n",
        )
    )
    assert err.line == 6
    assert "weight" in str(err)


def test_unknown_kind_is_named_with_the_known_kinds(tmp_path: Path) -> None:
    err = _error(_write(tmp_path, "sources:\n  - name: A\n    kind: telepathy\n    path: a\n"))
    assert "unknown kind 'telepathy'" in str(err)
    assert "files" in str(err) and "rss" in str(err)
    assert err.line in (2, 3)
    assert err.field == "sources[0]"


def test_missing_kind(tmp_path: Path) -> None:
    err = _error(_write(tmp_path, "sources:\n  - name: A\n    path: a\n"))
    assert "missing 'kind'" in str(err)


def test_missing_required_field(tmp_path: Path) -> None:
    err = _error(_write(tmp_path, "sources:\n  - name: A\n    kind: files\n"))
    assert err.field == "sources[0].path"
    assert "required" in str(err).lower()


def test_feed_url_must_be_http(tmp_path: Path) -> None:
    err = _error(
        _write(tmp_path, "sources:\n  - name: F\n    kind: rss\n    url: file:///etc/passwd\n")
    )
    assert err.field == "sources[0].url"
    assert err.line == 4
    assert "http" in str(err)


def test_page_needs_a_url(tmp_path: Path) -> None:
    err = _error(_write(tmp_path, "sources:\n  - name: P\n    kind: page\n"))
    assert "url" in str(err)


def test_top_level_list_is_refused(tmp_path: Path) -> None:
    err = _error(_write(tmp_path, "- name: A\n  kind: files\n"))
    assert "mapping" in str(err)


def test_missing_file(tmp_path: Path) -> None:
    p = tmp_path / "nope.yaml"
    err = _error(p)
    assert str(err) == f"{p}: file not found"


def test_directory_instead_of_file(tmp_path: Path) -> None:
    err = _error(tmp_path)
    assert "directory" in str(err)


def test_binary_file(tmp_path: Path) -> None:
    p = tmp_path / "sources.yaml"
    p.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    err = _error(p)
    assert "binary" in str(err)
    assert err.path == str(p)


def test_non_utf8_file(tmp_path: Path) -> None:
    p = tmp_path / "sources.yaml"
    p.write_bytes("sources: []\n# café\n".encode("latin-1"))
    assert "UTF-8" in str(_error(p))


def test_huge_file_is_refused(tmp_path: Path) -> None:
    p = tmp_path / "sources.yaml"
    p.write_text("# " + "x" * 2_000_000 + "\nsources: []\n")
    assert "too large" in str(_error(p))


def test_duplicate_names_are_refused(tmp_path: Path) -> None:
    err = _error(
        _write(
            tmp_path,
            "sources:\n"
            "  - name: Wire\n    kind: files\n    path: a\n"
            "  - name: Wire\n    kind: files\n    path: b\n",
        )
    )
    assert "unique" in str(err)
    assert "Wire" in str(err)


def test_more_problems_are_counted(tmp_path: Path) -> None:
    err = _error(
        _write(
            tmp_path,
            "sources:\n  - name: A\n    kind: files\n    path: a\n    weight: x\n    colour: red\n",
        )
    )
    assert "more problem" in str(err)
