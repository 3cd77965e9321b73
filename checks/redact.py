"""Credentials masked in anything shown or logged.

An operator's store DSN (``postgresql://user:PASSWORD@host/db``), an ``Authorization`` header a
client sent, a Discord bot token or an API key in a link's query can end up in a message, an
error or a log line. :func:`mask_secrets` replaces the secret part with ``***`` and leaves the
rest, so the line still says which user, host, header or parameter it was about. The CLI's
output and every log line go through it (``bot/cli.py``, ``bot/logs.py``).

What is masked:

- the password of a URL's user info (``scheme://user:***@host``), anywhere in the text;
- ``password=``, ``token=``, ``key=``, ``api_key=``, ``secret=`` … values, as in a query string
  or a libpq keyword DSN (``host=db password=***``);
- what follows ``Bearer``, ``Basic`` or ``Digest`` (an authorization scheme), and the value of
  an ``Authorization:`` header whatever its scheme;
- strings shaped like a Discord bot token (three dot-separated base64 parts).
"""

from __future__ import annotations

import re

__all__ = ["MASK", "mask_secrets"]

MASK = "***"

# scheme://user:password@ — the password runs up to the last "@" before the host
_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.\-]*://[^\s:/?#@]*):[^\s/?#]*@")
_PARAM = re.compile(
    r"(?i)\b((?:password|passwd|pwd|pass|token|access_token|refresh_token|api_?key|apikey|key"
    r"|secret|client_secret|sig|signature)\s*=\s*)(?!\*\*\*)('[^']*'|\"[^\"]*\"|[^\s&#'\",;]+)"
)
_AUTH_HEADER = re.compile(r"(?i)\b(authorization\s*:\s*)(?!\*\*\*)([^\r\n'\"]+)")
# not the words around a scheme in prose ("a bearer token", "Bearer <token>", "Bearer realm=")
_AUTH_SCHEME = re.compile(
    r"(?i)\b(bearer|basic|digest)(\s+)(?!\*\*\*|<|(?:token|realm|auth)\b)([^\s'\",;]+)"
)
_DISCORD_TOKEN = re.compile(r"\b[A-Za-z0-9_\-]{23,28}\.[A-Za-z0-9_\-]{6,7}\.[A-Za-z0-9_\-]{27,}")


def mask_secrets(text: str) -> str:
    """``text`` with credentials replaced by ``***`` (see the module's docstring)."""
    if not text:
        return text
    text = _USERINFO.sub(rf"\1:{MASK}@", text)
    text = _PARAM.sub(rf"\1{MASK}", text)
    text = _AUTH_HEADER.sub(rf"\1{MASK}", text)
    text = _AUTH_SCHEME.sub(rf"\1\2{MASK}", text)
    return _DISCORD_TOKEN.sub(MASK, text)
