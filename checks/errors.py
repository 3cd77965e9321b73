"""The one error hierarchy of the engine.

Every error a user can cause or meet derives from :class:`CheckError` and carries the data
needed to say what went wrong in one line. Adapters (CLI, Discord, HTTP) turn these into a short
message in one place and never catch bare ``Exception`` around engine calls.

::

    CheckError
    ├── InputError              the claim or URL given cannot be checked (empty, too long, binary)
    ├── ConfigError             sources.yaml or settings missing or invalid (.path, .line, .field)
    ├── SourceError             one configured source could not be read (.source)
    │   └── FetchError          an HTTP fetch failed (.url, .status)
    │       └── BlockedURLError the URL points to a private/loopback address or a bad scheme
    ├── NLIUnavailable          the operator's NLI model cannot be used (.path)
    ├── StoreError              the store cannot be opened, read or written (.path)
    │   └── StoreReadOnlyError  the store was opened but cannot be written
    └── ReviewError             a review-queue action cannot be done (.item_id)
        ├── ReviewNotFound      no such item in this server
        ├── IllegalTransition   the action does not apply in the item's state (.state, .action)
        └── ReviewConflict      someone else acted on the item first
"""

from __future__ import annotations

__all__ = [
    "BlockedURLError",
    "CheckError",
    "ConfigError",
    "FetchError",
    "IllegalTransition",
    "InputError",
    "NLIUnavailable",
    "ReviewConflict",
    "ReviewError",
    "ReviewNotFound",
    "SourceError",
    "StoreError",
    "StoreReadOnlyError",
]


class CheckError(Exception):
    """Base of every error the engine raises on purpose."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class InputError(CheckError):
    """The text or URL given to check is unusable."""


class ConfigError(CheckError):
    """A configuration file or setting is missing or invalid."""

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        where = path or ""
        if path and line is not None:
            where = f"{path}:{line}"
        if field:
            where = f"{where}: {field}" if where else field
        super().__init__(f"{where}: {message}" if where else message)
        self.path, self.line, self.field = path, line, field


class SourceError(CheckError):
    """One source could not be read; the others go on."""

    def __init__(self, message: str, *, source: str | None = None) -> None:
        super().__init__(f"source {source!r}: {message}" if source else message)
        self.source = source


class FetchError(SourceError):
    """An HTTP fetch failed."""

    def __init__(
        self, message: str, *, url: str, status: int | None = None, source: str | None = None
    ) -> None:
        super().__init__(message, source=source)
        self.url, self.status = url, status


class BlockedURLError(FetchError):
    """The URL was refused before connecting (private address, bad scheme)."""


class StoreError(CheckError):
    """The store cannot be used."""

    def __init__(self, message: str, *, path: str | None = None) -> None:
        super().__init__(f"store {path}: {message}" if path else message)
        self.path = path


class StoreReadOnlyError(StoreError):
    """The store can be read but not written."""


class ReviewError(CheckError):
    """A review-queue action cannot be done."""

    def __init__(self, message: str, *, item_id: int | None = None) -> None:
        super().__init__(message)
        self.item_id = item_id


class ReviewNotFound(ReviewError):
    """No such review item (in this server)."""


class IllegalTransition(ReviewError):
    """The action does not apply to an item in its current state."""

    def __init__(self, message: str, *, item_id: int, state: str, action: str) -> None:
        super().__init__(message, item_id=item_id)
        self.state, self.action = state, action


class ReviewConflict(ReviewError):
    """Another moderator acted on the item first; nothing was changed."""


class NLIUnavailable(CheckError):
    """The configured NLI model cannot be used: a file is missing, unreadable or not as expected."""

    def __init__(self, message: str, *, path: str | None = None) -> None:
        super().__init__(f"NLI model {path}: {message}" if path else f"NLI model: {message}")
        self.path = path
