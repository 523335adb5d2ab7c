# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tfe.runs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Layer 1: addresses, API paths and JSON:API document helpers (no HTTP)."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import quote, urlsplit

JSONAPI = "application/vnd.api+json"
DEFAULT_ADDRESS = "https://app.terraform.io"
API_PREFIX = "/api/v2"
MAX_PAGE_SIZE = 100


def site_url(address: Optional[str]) -> str:
    """The installation's root URL (``https://host[:port]``) from a hostname or any URL form.

    Accepts ``tfe.example.com``, ``https://tfe.example.com/``, ``https://tfe.example.com/api/v2`` and
    ``http://127.0.0.1:8080``; a bare hostname means HTTPS.
    """
    text = (address or "").strip() or DEFAULT_ADDRESS
    if "://" not in text:
        text = "https://" + text
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("'{0}' is not a TFE address: give a hostname such as tfe.example.com "
                         "or a URL such as https://tfe.example.com".format(address))
    path = parts.path.rstrip("/")
    if path.endswith(API_PREFIX):
        path = path[: -len(API_PREFIX)]
    return "{0}://{1}{2}".format(parts.scheme, parts.netloc.lower(), path)


def api_path(*segments: str) -> str:
    """Join path segments, each percent-encoded, so an ID can never reach another endpoint.

    ``api_path("runs", run_id, "actions", "apply")``: a ``run_id`` of ``../x`` or ``a/b`` is encoded
    or refused instead of changing the route.
    """
    parts = []
    for segment in segments:
        text = str(segment)
        if text in ("", ".", ".."):
            raise ValueError("'{0}' cannot be used in an API path".format(text))
        parts.append(quote(text, safe=""))
    return "/".join(parts)


def included_index(document: Dict[str, Any]) -> Dict[Tuple[str, str], Dict[str, Any]]:
    """The ``included`` resources of a JSON:API document, keyed by (type, id)."""
    return {(item.get("type"), item.get("id")): item for item in document.get("included") or []
            if isinstance(item, dict)}


def _relationship_data(resource: Dict[str, Any], name: str) -> Any:
    """A relationship's ``data``; None when the resource, its relationships or the name are not as JSON:API says."""
    relationships = resource.get("relationships") if isinstance(resource, dict) else None
    relationship = relationships.get(name) if isinstance(relationships, dict) else None
    return relationship.get("data") if isinstance(relationship, dict) else None


def related_id(resource: Dict[str, Any], name: str) -> Optional[str]:
    """The ID of a to-one relationship, or None when absent or null."""
    data = _relationship_data(resource, name)
    return data.get("id") if isinstance(data, dict) else None


def related_ids(resource: Dict[str, Any], name: str) -> List[str]:
    """The IDs of a to-many relationship, in the server's order; entries without an ID are left out."""
    data = _relationship_data(resource, name)
    if not isinstance(data, list):
        return []
    return [str(item["id"]) for item in data if isinstance(item, dict) and item.get("id")]
