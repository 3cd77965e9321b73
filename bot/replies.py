"""The one place engine errors become short messages for members (CLI and HTTP have their own)."""

from __future__ import annotations

from checks.errors import (
    BlockedURLError,
    CheckError,
    ConfigError,
    FetchError,
    InputError,
    ReviewError,
    SourceError,
    StoreError,
)

__all__ = ["RATE_LIMITED", "user_message"]

RATE_LIMITED = {
    "member": "You are checking a lot right now — please wait a minute and try again.",
    "server": "This server is checking a lot right now — please try again in a minute.",
}


def user_message(exc: CheckError) -> str:
    """A short, friendly line for a member; details stay in the logs."""
    if isinstance(exc, BlockedURLError):
        return "That link points to a private or unsupported address, so it was not opened."
    if isinstance(exc, FetchError):
        status = f" (HTTP {exc.status})" if exc.status else ""
        return f"That page could not be fetched{status}: {exc.message}"
    if isinstance(exc, InputError):
        return exc.message[:1].upper() + exc.message[1:] + "."
    if isinstance(exc, SourceError | ConfigError):
        return (
            "A configured source is misconfigured; the server's admins have been told in the logs."
        )
    if isinstance(exc, ReviewError):  # already resolved, someone else was first, no such item
        return exc.message[:1].upper() + exc.message[1:] + "."
    if isinstance(exc, StoreError):
        return "Crosscheck's store is unavailable right now; please try again later."
    return "Something went wrong while checking; please try again later."
