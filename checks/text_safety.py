"""Text from outside the operator's own config, made safe to print and to store.

A server's reason phrase or ``Content-Type``, a file's name or a page's title can carry terminal
escape sequences (``ESC [31m`` recolours a terminal, ``ESC ]`` can retitle it), other control
characters, or Unicode bidirectional controls that make a line read differently from what it
holds. :func:`safe_text` removes them, so a message built from such text can be stored as a
source's error and printed later without acting on the terminal that shows it.

What is removed:

- C0 controls (U+0000–U+001F) and DEL (U+007F); tab, line feed, carriage return, vertical tab
  and form feed become one space, so a message stays on one line;
- C1 controls (U+0080–U+009F), which some terminals treat as escapes on their own;
- bidi embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069) and the invisible
  direction marks (U+200E, U+200F, U+061C); the line and paragraph separators (U+2028, U+2029)
  become a space.

Visible text is left alone: ``"\\x1b[31mred"`` becomes ``"[31mred"``, which shows what was sent
without obeying it.
"""

from __future__ import annotations

__all__ = ["safe_text"]

_SPACE = {0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x2028, 0x2029}
_REMOVE = (
    set(range(0x00, 0x20))
    | {0x7F}
    | set(range(0x80, 0xA0))
    | set(range(0x202A, 0x202F))
    | set(range(0x2066, 0x206A))
    | {0x200E, 0x200F, 0x061C}
) - _SPACE
_TABLE: dict[int, str | None] = {c: None for c in _REMOVE} | {c: " " for c in _SPACE}


def safe_text(text: str) -> str:
    """``text`` without control and bidi characters (see the module's docstring)."""
    return text.translate(_TABLE)
