# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tfe.runs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Layer 1: the one exception family every API failure becomes, and how an error body is read.

The texts never contain the token or a URL (a log URL carries its own secret).
"""

from __future__ import annotations

import json
import re
from typing import Any, Dict, List, Optional, Tuple

_URL_RE = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s'\"<>]+")
# urllib3 names the request's path in its errors ("... with url: /_archivist/v1/object/<secret>").
_URL_PATH_RE = re.compile(r"(\burl: )/[^\s'\"<>()]*")
_TAG_RE = re.compile(r"<[^>]*>")
_SPACE_RE = re.compile(r"\s+")


class TfeApiError(Exception):
    """Any failure to get a usable answer from TFE.

    ``status`` is the HTTP status (None when no response arrived); ``title`` and ``detail`` come from
    the JSON:API error document or describe the transport problem; ``method`` and ``path`` name the
    request (never the host's query secrets or the token); ``attempts`` counts the tries made.
    """

    def __init__(self, title: str, *, status: Optional[int] = None, detail: str = "", method: str = "",
                 path: str = "", attempts: int = 1, retry_after: Optional[float] = None) -> None:
        self.status = status
        self.title = strip_urls(title)
        self.detail = strip_urls(detail)
        self.method = method
        self.path = path
        self.attempts = attempts
        self.retry_after = retry_after
        super().__init__(title)

    def __str__(self) -> str:
        return self.describe()

    def describe(self) -> str:
        where = "{0} {1}".format(self.method, self.path).strip()
        what = self.title if self.status is None else "{0} {1}".format(self.status, self.title)
        text = "{0}: {1}".format(where, what) if where else what
        if self.detail and self.detail != self.title:
            text += ": " + self.detail
        if self.attempts > 1:
            text += " (after {0} attempts)".format(self.attempts)
        return text


class TfeHttpError(TfeApiError):
    """TFE answered, with an error status or a body that is not usable JSON."""

    def __init__(self, status: int, title: str, **kwargs: Any) -> None:
        self.errors: List[Dict[str, Any]] = kwargs.pop("errors", None) or []
        super().__init__(title, status=status, **kwargs)


class TfeTransportError(TfeApiError):
    """No HTTP answer: connection refused, TLS failure, timeout or a dropped connection.

    ``maybe_processed`` is False only when the request certainly never reached the server (the
    connection could not be opened); callers must treat True as "the write may have happened".
    """

    def __init__(self, title: str, *, reason: str, maybe_processed: bool, **kwargs: Any) -> None:
        self.reason = reason
        self.maybe_processed = maybe_processed
        super().__init__(title, **kwargs)


def strip_urls(text: str) -> str:
    """Replace every URL (and urllib3's "url: /path") by ``<url>``: a log URL would leak its secret."""
    return _URL_PATH_RE.sub(r"\1<url>", _URL_RE.sub("<url>", text or ""))


def parse_error_body(response: Any, redact: str = "") -> Tuple[str, str, List[Dict[str, Any]]]:
    """Title, detail and the error objects of an error response, whatever its body looks like.

    JSON:API ``errors`` objects (``status`` as string or integer), go-tfe's fallback form (a list of
    strings), or anything else (a proxy's HTML page, a truncated body): then the HTTP reason is the
    title and a short, tag-free, URL-free excerpt of the body is the detail. ``redact`` (the token)
    is masked in the body before anything is cut: a page echoing the request's Authorization header
    could otherwise be cut mid-token, and half a token escapes every later whole-value mask.
    """
    reason = response.reason or "HTTP error"
    text = response.text or ""
    if redact:
        text = text.replace(redact, "********")
    try:
        document = json.loads(text)
    except ValueError:
        document = None
    errors = document.get("errors") if isinstance(document, dict) else None
    if isinstance(errors, list) and errors:
        objects = [e if isinstance(e, dict) else {"title": str(e)} for e in errors]
        titles = [str(e.get("title") or "") for e in objects if e.get("title")]
        details = [str(e.get("detail") or "") for e in objects if e.get("detail")]
        return (titles[0] if titles else reason), "; ".join(details), objects
    if not text.strip():
        return reason, "", []
    excerpt = _SPACE_RE.sub(" ", _TAG_RE.sub(" ", text)).strip()[:200]
    content_type = response.headers.get("Content-Type", "unknown content type").split(";")[0]
    return reason, "the server answered with a non-JSON:API body ({0}): {1}".format(content_type, excerpt), []
