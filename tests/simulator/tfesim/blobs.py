"""The blob host's short-lived downloads and single-use uploads (contract 1.7, 5.5, 5.10).

Plan and apply logs live in ``World.blobs`` and stay valid for the simulator's life. The
objects here behave like presigned storage URLs instead: a JSON plan's download expires a
minute after it was handed out (on the simulator clock, so a test expires it by advancing
the clock) and a configuration version's upload URL takes exactly one PUT. In both cases
the secret in the URL is the only credential; a token, if sent, is ignored.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Optional, Set, Tuple

from .errors import ApiError, not_found
from .ids import new_blob_secret

DOWNLOAD_SECONDS = 60.0  # "a temporary URL valid for 1 minute" (contract 5.5, 8)
_FORGET_AFTER_SECONDS = 3600.0  # expired downloads answer 403 for this long, then 404 like any unknown object
BLOB_PATH = "/_archivist/v1/object/"


@dataclass(frozen=True)
class Download:
    """One handed-out object: its bytes, media type and expiry (simulator epoch seconds)."""

    body: bytes
    content_type: str
    expires_at: float


def blob_url(base_url: str, secret: str) -> str:
    """The absolute URL of a blob on the simulator's own host."""
    return base_url + BLOB_PATH + secret


class BlobHost:
    """Expiring downloads and single-use upload slots, keyed by their URL secret."""

    def __init__(self) -> None:
        self._downloads: Dict[str, Download] = {}
        self._uploads: Dict[str, str] = {}  # secret -> what receives the upload (a configuration version ID)
        self._used: Set[str] = set()

    def offer_download(self, body: bytes, content_type: str, now: float,
                       lifetime: float = DOWNLOAD_SECONDS) -> str:
        """Store ``body`` under a new secret that expires ``lifetime`` seconds from ``now``."""
        self._forget_stale(now)
        secret = new_blob_secret()
        self._downloads[secret] = Download(body, content_type, now + lifetime)
        return secret

    def download(self, secret: str, now: float) -> Optional[Tuple[bytes, str]]:
        """The body and media type; None when the secret was never a download; 403 once it expired
        (what presigned storage answers for an expired signature)."""
        found = self._downloads.get(secret)
        if found is None:
            return None
        if now > found.expires_at:
            raise ApiError(403, "Request has expired", title="forbidden")
        return found.body, found.content_type

    def offer_upload(self, target: str) -> str:
        """A new single-use upload secret whose PUT goes to ``target``."""
        secret = new_blob_secret()
        self._uploads[secret] = target
        return secret

    def is_open_upload(self, secret: Optional[str]) -> bool:
        """Whether an upload secret still takes its one PUT."""
        return secret is not None and secret in self._uploads and secret not in self._used

    def take_upload(self, secret: str) -> str:
        """Spend an upload secret and return its target: 404 if unknown, 403 if already used."""
        target = self._uploads.get(secret)
        if target is None:
            raise not_found("object not found")
        if secret in self._used:
            raise ApiError(403, "This upload URL has already been used.", title="forbidden")
        self._used.add(secret)
        return target

    def _forget_stale(self, now: float) -> None:
        """Drop downloads long expired, so a long-lived simulator does not grow without bound."""
        stale = [key for key, item in self._downloads.items() if now > item.expires_at + _FORGET_AFTER_SECONDS]
        for key in stale:
            del self._downloads[key]
