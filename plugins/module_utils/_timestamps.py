# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tfe.runs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Layer 2: the times TFE writes and the times users give (ISO 8601, or an age such as ``2h``)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from typing import Optional

_FRACTION_RE = re.compile(r"\.(\d+)")
_RELATIVE_RE = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$", re.IGNORECASE)
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_timestamp(text: Optional[str]) -> Optional[datetime]:
    """RFC 3339 / ISO 8601 as TFE writes it (``Z`` or an offset, any fraction) to an aware datetime.

    ``datetime.fromisoformat`` before Python 3.11 rejects ``Z`` and fractions other than 3 or 6 digits.
    """
    if not text:
        return None
    value = str(text).strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    value = _FRACTION_RE.sub(lambda m: "." + (m.group(1) + "000000")[:6], value, count=1)
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def parse_created_time(value: str, now: datetime, option: str = "created time") -> datetime:
    """An absolute UTC time (whole seconds) from ISO 8601 or a relative age such as ``30m``, ``2h``, ``3d``, ``1w``.

    A relative value means "that long before ``now``"; an ISO time without a zone is UTC.
    """
    text = str(value).strip()
    relative = _RELATIVE_RE.match(text)
    try:
        if relative:
            moment = now - timedelta(seconds=int(relative.group(1)) * _UNIT_SECONDS[relative.group(2).lower()])
        else:
            # parse_timestamp also accepts a trailing "Z", any fraction, and a date alone (midnight UTC).
            moment = parse_timestamp(text)
        if moment is not None:
            moment = moment.astimezone(timezone.utc).replace(microsecond=0)
    except (OverflowError, ValueError):
        # An age reaching before year 1, a time outside years 1-9999 once in UTC, an age of 5,000 digits.
        raise ValueError("{0} '{1}' is out of range: it must be a time from year 1 to year 9999 UTC".format(
            option, value)) from None
    if moment is None:
        raise ValueError("{0} '{1}' is neither an ISO 8601 time (2025-01-31T09:00:00Z, UTC when no zone is "
                         "given) nor an age such as 30m, 2h, 3d or 1w".format(option, value))
    return moment


def rfc3339(moment: datetime) -> str:
    """``2025-01-31T09:00:00Z``: the form ``filter[from]`` and ``filter[to]`` expect."""
    # isoformat, unlike strftime's %Y, always writes four digits for the year (0999, not 999).
    return moment.astimezone(timezone.utc).replace(tzinfo=None).isoformat(timespec="seconds") + "Z"
