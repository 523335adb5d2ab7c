# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tfe.runs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Layer 2: the end of a plan's or apply's log, read from its blob URL without the token."""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional

from ._client import TfeClient
from ._runs import RunView

_ANSI_RE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


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
    text = _ANSI_RE.sub("", raw.decode("utf-8", "replace")).replace("\x02", "").replace("\x03", "")
    return [line for line in text.splitlines() if line.strip()][-lines:]


def failure_log_tail(client: TfeClient, view: RunView, lines: int = 20) -> List[str]:
    """The end of the log of the phase that failed: the apply's once the apply started, else the plan's."""
    apply_status = ((view.apply or {}).get("attributes") or {}).get("status")
    resource = view.apply if apply_status not in (None, "pending", "unreachable") else view.plan
    return log_tail(client, resource, lines)
