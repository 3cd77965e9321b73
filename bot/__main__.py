"""``python -m bot``: the same as ``crosscheck bot``, with the same options.

``crosscheck``'s own options (``--db``, ``--sources``, ``--verbose``) may be given too, anywhere
on the line: they are moved in front of the ``bot`` command, where the CLI reads them."""

from __future__ import annotations

import sys

from bot.cli import app

__all__ = ["main"]

_GLOBAL_WITH_VALUE = ("--db", "--sources")
_GLOBAL_FLAGS = ("--verbose", "-v")


def _arguments(argv: list[str]) -> list[str]:
    """``crosscheck`` arguments for ``python -m bot ARGV``."""
    top: list[str] = []
    rest: list[str] = []
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--":
            rest.extend(argv[i:])
            break
        if arg in _GLOBAL_FLAGS or arg.startswith(tuple(f"{o}=" for o in _GLOBAL_WITH_VALUE)):
            top.append(arg)
        elif arg in _GLOBAL_WITH_VALUE and i + 1 < len(argv):
            top.extend(argv[i : i + 2])
            i += 1
        else:
            rest.append(arg)
        i += 1
    return [*top, "bot", *rest]


def main() -> None:
    """Run ``crosscheck bot`` with this process's arguments."""
    # click names a subcommand "PROG bot": "python -m" makes its usage line "python -m bot"
    app(_arguments(sys.argv[1:]), prog_name="python -m")


if __name__ == "__main__":
    main()
