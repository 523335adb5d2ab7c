# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tfe.runs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Layer 2: a plan's or apply's log, read from its blob URL without the token."""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Tuple

from ._client import TfeClient
from ._runs import RunView

_ANSI_RE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
ETX = b"\x03"  # the end of a log stream (it begins with STX, 0x02)
# Read in chunks as the Terraform CLI does (?limit=&offset=), up to a cap a job's output can hold.
LOG_CHUNK = 65536
MAX_LOG_BYTES = 1024 * 1024


def clean_lines(raw: bytes) -> List[str]:
    """The log's lines without framing bytes, colours and blank lines."""
    text = _ANSI_RE.sub("", raw.decode("utf-8", "replace")).replace("\x02", "").replace("\x03", "")
    return [line for line in text.splitlines() if line.strip()]


def read_log(client: TfeClient, url: str, max_bytes: int = MAX_LOG_BYTES) -> Tuple[bytes, bool]:
    """A finished log from the start, chunk by chunk, until its ETX, an empty chunk or ``max_bytes``.

    Returns the bytes and whether the cap cut the log. A server that ignores ``limit`` sends all at once.
    """
    raw = b""
    while len(raw) < max_bytes:
        chunk, cut = client.fetch_blob(url, max_bytes, params={"limit": LOG_CHUNK, "offset": len(raw)},
                                       shown="<log url>")
        if len(chunk) > LOG_CHUNK:
            return chunk, cut  # the server ignored limit (and so offset): this is the whole log
        raw += chunk
        if not chunk or ETX in chunk or len(chunk) < LOG_CHUNK:
            break
    return raw[:max_bytes], len(raw) > max_bytes or (len(raw) >= max_bytes and ETX not in raw)


def log_lines(client: TfeClient, resource: Optional[Dict[str, Any]], lines: int) -> Dict[str, Any]:
    """``{lines, truncated}`` of a plan's or apply's log: the last ``lines`` lines, or all of it for -1.

    Reading the log is a courtesy: a failure leaves ``lines`` empty and says why in ``unavailable``.
    """
    url = ((resource or {}).get("attributes") or {}).get("log-read-url")
    if not url:
        return {"lines": [], "truncated": False, "unavailable": "TFE gave no log for it"}
    try:
        raw, cut = read_log(client, url)
    except Exception as error:  # pylint: disable=broad-except
        return {"lines": [], "truncated": False,
                "unavailable": "reading the log failed ({0})".format(type(error).__name__)}
    found = clean_lines(raw)
    shown = found if lines < 0 else found[-lines:]
    return {"lines": shown, "truncated": cut or len(shown) < len(found), "unavailable": None}


def log_tail(client: TfeClient, resource: Optional[Dict[str, Any]], lines: int = 20) -> List[str]:
    """The last ``lines`` lines of a plan's or apply's log (framing bytes and colours removed).

    Failures to read the log are not errors of the task: an empty list comes back instead.
    """
    url = ((resource or {}).get("attributes") or {}).get("log-read-url")
    if not url or lines <= 0:
        return []
    try:
        raw = client.fetch_blob_tail(url)
    except Exception:  # pylint: disable=broad-except
        # The log is a courtesy on an already failed result; never let it mask the real failure.
        return []
    return clean_lines(raw)[-lines:]


def failure_log_tail(client: TfeClient, view: RunView, lines: int = 20) -> List[str]:
    """The end of the log of the phase that failed: the apply's once the apply started, else the plan's."""
    apply_status = ((view.apply or {}).get("attributes") or {}).get("status")
    resource = view.apply if apply_status not in (None, "pending", "unreachable") else view.plan
    return log_tail(client, resource, lines)
