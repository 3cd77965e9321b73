"""checks.sources.files: local .txt, .md and .html articles; bad files are errors, not crashes."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest

from checks.errors import SourceError
from checks.sources.files import FileDoc, read_files

TXT = """Bridge Reopens After Long Repairs

The old bridge over the river reopened to traffic on Monday after two years of repairs.
The repairs cost $40 million and were paid for by the regional government, officials said.
"""

MD = """# Council Approves School Budget

The city council approved a budget of $12 million for new schools on Tuesday.

The mayor said the first school would open next year.
"""

HTML = """<!DOCTYPE html>
<html><head><title>Harbour Expansion Approved | Example Times</title>
<meta name="date" content="2025-02-03"></head>
<body>
<nav><a href="/">Home</a> | <a href="/world">World</a> | <a href="/subscribe">Subscribe</a></nav>
<div class="account">Sign in or create a free account</div>
<article>
<h1>Harbour Expansion Approved</h1>
<p>The port authority approved a plan to double the size of the harbour by 2030, officials said.</p>
<p>The expansion will cost $300 million and create about 2,000 jobs, according to the authority.</p>
</article>
<footer>© 2025 Example Times. All rights reserved.</footer>
</body></html>
"""


def _read(root: Path) -> list[FileDoc]:
    return list(read_files(root, source="Local"))


def _one(path: Path) -> FileDoc:
    (doc,) = _read(path)
    return doc


def test_txt_first_line_is_the_title(tmp_path: Path) -> None:
    p = tmp_path / "bridge.txt"
    p.write_text(TXT)
    doc = _one(p)
    assert doc.error is None
    assert doc.title == "Bridge Reopens After Long Repairs"
    assert doc.text.startswith("The old bridge over the river reopened")
    assert "Bridge Reopens" not in doc.text


def test_leading_blank_lines_are_skipped_for_the_title(tmp_path: Path) -> None:
    p = tmp_path / "bridge.txt"
    p.write_text("\n\n  \n" + TXT)
    assert _one(p).title == "Bridge Reopens After Long Repairs"


def test_markdown_heading_marks_are_not_part_of_the_title(tmp_path: Path) -> None:
    p = tmp_path / "budget.md"
    p.write_text(MD)
    doc = _one(p)
    assert doc.title == "Council Approves School Budget"
    assert "$12 million" in doc.text


def test_html_goes_through_article_extraction(tmp_path: Path) -> None:
    p = tmp_path / "harbour.html"
    p.write_text(HTML)
    doc = _one(p)
    assert doc.error is None
    assert "Harbour Expansion Approved" in doc.title
    assert "double the size of the harbour" in doc.text
    assert "$300 million" in doc.text
    for furniture in ("Subscribe", "Sign in", "All rights reserved", "<p>"):
        assert furniture not in doc.text
    assert doc.published == date(2025, 2, 3)


def test_text_is_cleaned_of_invisible_characters(tmp_path: Path) -> None:
    p = tmp_path / "bridge.txt"
    p.write_text("Bridge\u200b Reopens\r\n\r\nThe old\u00ad bridge reopened on Monday.\x07\r\n")
    doc = _one(p)
    assert doc.title == "Bridge Reopens"
    assert "\u200b" not in doc.text and "\u00ad" not in doc.text and "\x07" not in doc.text
    assert "\r" not in doc.text


def test_publication_date_comes_from_the_file_name(tmp_path: Path) -> None:
    p = tmp_path / "2025-03-11-bridge.txt"
    p.write_text(TXT)
    assert _one(p).published == date(2025, 3, 11)
    q = tmp_path / "2025-13-45-nonsense.txt"
    q.write_text(TXT)
    assert _one(q).published is None


def test_folder_is_read_recursively_in_a_stable_order(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "2.txt").write_text(TXT)
    (tmp_path / "a.md").write_text(MD)
    (tmp_path / "c.html").write_text(HTML)
    (tmp_path / "notes.pdf").write_bytes(b"%PDF-1.4 not an article")
    (tmp_path / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    docs = _read(tmp_path)
    assert [d.path.relative_to(tmp_path).as_posix() for d in docs] == ["a.md", "b/2.txt", "c.html"]
    assert _read(tmp_path) == docs


def test_upper_case_suffixes_are_read(tmp_path: Path) -> None:
    (tmp_path / "BRIDGE.TXT").write_text(TXT)
    assert [d.title for d in _read(tmp_path)] == ["Bridge Reopens After Long Repairs"]


def test_binary_file_is_an_error_and_the_others_go_on(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(TXT)
    (tmp_path / "b.txt").write_bytes(b"\x00\x01\x02\x03binary\xff\xfe" * 50)
    (tmp_path / "c.md").write_text(MD)
    docs = {d.path.name: d for d in _read(tmp_path)}
    assert docs["a.txt"].error is None and docs["c.md"].error is None
    err = docs["b.txt"].error
    assert err is not None and "b.txt" in err and "binary" in err


def test_non_utf8_text_is_an_error(tmp_path: Path) -> None:
    p = tmp_path / "latin.txt"
    p.write_bytes(("Titre\n" + "é à ç ù " * 200).encode("latin-1"))
    err = _one(p).error
    assert err is not None and "UTF-8" in err


def test_a_stray_bad_byte_does_not_lose_the_article(tmp_path: Path) -> None:
    p = tmp_path / "mostly.txt"
    p.write_bytes(TXT.encode() + b"The caf\xe9 on the corner stayed open during the repairs.\n")
    doc = _one(p)
    assert doc.error is None
    assert "The old bridge" in doc.text


def test_empty_file_is_an_error(tmp_path: Path) -> None:
    p = tmp_path / "empty.txt"
    p.write_text("")
    err = _one(p).error
    assert err is not None and "empty.txt" in err and "empty" in err


def test_whitespace_only_file_is_an_error(tmp_path: Path) -> None:
    p = tmp_path / "blank.md"
    p.write_text("\n   \n\t\n")
    assert _one(p).error is not None


def test_title_without_text_is_an_error(tmp_path: Path) -> None:
    p = tmp_path / "title.txt"
    p.write_text("Just A Title\n\n")
    err = _one(p).error
    assert err is not None and "no text" in err


def test_html_without_article_text_is_an_error(tmp_path: Path) -> None:
    p = tmp_path / "empty.html"
    p.write_text(
        "<html><head><title>Nothing</title></head><body><script>var x = 1;</script></body></html>"
    )
    err = _one(p).error
    assert err is not None and "empty.html" in err


def test_too_large_file_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import checks.sources.files as files

    monkeypatch.setattr(files, "MAX_FILE_BYTES", 1_000)
    p = tmp_path / "big.txt"
    p.write_text("Big\n" + "The bridge reopened on Monday after repairs. " * 100)
    err = _one(p).error
    assert err is not None and "too large" in err


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read files without read permission")
def test_unreadable_file_is_an_error(tmp_path: Path) -> None:
    p = tmp_path / "secret.txt"
    p.write_text(TXT)
    p.chmod(0)
    try:
        err = _one(p).error
        assert err is not None and "secret.txt" in err
    finally:
        p.chmod(0o644)


def test_missing_path_is_a_source_error(tmp_path: Path) -> None:
    with pytest.raises(SourceError) as info:
        _read(tmp_path / "nowhere")
    assert info.value.source == "Local"
    assert "does not exist" in str(info.value)


def test_single_file_path_is_read(tmp_path: Path) -> None:
    p = tmp_path / "bridge.txt"
    p.write_text(TXT)
    assert [d.path for d in _read(p)] == [p]


def test_empty_folder_yields_nothing(tmp_path: Path) -> None:
    assert _read(tmp_path) == []
