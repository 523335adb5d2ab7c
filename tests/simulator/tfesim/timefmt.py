"""Timestamp formats of the API: created-at with milliseconds and Z, status
timestamps as RFC 3339 with an offset (contract section 3.1)."""
from __future__ import annotations

from datetime import datetime, timezone


def iso_ms(epoch: float) -> str:
    """``2021-05-24T07:38:04.171Z``: the shape of ``created-at``."""
    moment = datetime.fromtimestamp(epoch, tz=timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (moment.microsecond // 1000)


def rfc3339(epoch: float) -> str:
    """``2021-05-24T07:38:04+00:00``: the shape of ``status-timestamps`` values."""
    return datetime.fromtimestamp(int(epoch), tz=timezone.utc).isoformat()


def parse_rfc3339(text: str) -> float:
    """Parse an RFC 3339 timestamp (``Z`` or an offset; naive means UTC) to epoch seconds.

    Raises ValueError on anything else. Python 3.9's fromisoformat rejects ``Z``
    and fractions that are not 3 or 6 digits, so both are normalised first.
    """
    value = text.strip()
    if value[-1:] in ("Z", "z"):
        value = value[:-1] + "+00:00"
    if "." in value:
        head, _sep, rest = value.partition(".")
        digits = "".join(ch for ch in rest if ch.isdigit())
        zone = rest[len(digits):]
        value = head + "." + (digits + "000000")[:6] + zone
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()
