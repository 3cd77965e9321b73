"""Logging, configured once per process: readable text, or one JSON object a line."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime

from checks.redact import mask_secrets

__all__ = ["JsonFormatter", "configure_logging"]

# attributes every LogRecord has; anything else was passed in `extra=` and is kept as a field
_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "taskName"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        event = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_"):
                event[key] = value
        if record.exc_info:
            event["exception"] = self.formatException(record.exc_info)
        return json.dumps(event, default=str, ensure_ascii=False)


class _OneLineReconnects(logging.Filter):
    """discord.py logs every reconnect attempt with a full traceback; keep one line."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and str(record.msg).startswith("Attempting a reconnect"):
            exc = record.exc_info[1]
            record.msg = f"{record.msg} ({type(exc).__name__}: {exc})"
            record.exc_info = None
            record.exc_text = None
        return True


class _MaskedHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Lines on stderr with credentials masked (``checks.redact``): whatever a message, its
    arguments, an exception or a traceback quoted, no password or token is written."""

    def format(self, record: logging.LogRecord) -> str:
        return mask_secrets(super().format(record))


def configure_logging(level: str | int, fmt: str = "text") -> None:
    handler = _MaskedHandler(sys.stderr)
    handler.addFilter(_OneLineReconnects())
    if fmt.lower() == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # discord.py's voice warnings are noise for a text-only bot
    logging.getLogger("discord.client").setLevel(max(logging.ERROR, root.level))
