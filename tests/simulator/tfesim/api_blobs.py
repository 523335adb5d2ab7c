"""The blob host's short-lived objects (contract 1.7, 5.5, 5.10): downloads of JSON plans, and the
single-use ``PUT`` of a configuration version's upload URL. No token needed, any token ignored.

Plan and apply logs share the ``/_archivist/v1/object/<secret>`` path; api_misc serves them and
hands every other GET to :func:`download`.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from . import configuration_versions
from .errors import not_found
from .httpcore import Request, Response
from .lifecycle import settle

if TYPE_CHECKING:
    from .backend import Backend


def download(backend: "Backend", request: Request) -> Response:
    """GET of a handed-out object: 200 while valid, 403 once expired, 404 if never handed out."""
    found = backend.world.blob_host.download(request.params["secret"], backend.clock.now())
    if found is None:
        raise not_found("object not found")
    body, content_type = found
    return Response(200, body, {"Content-Type": content_type})


def upload(backend: "Backend", request: Request) -> Response:
    """PUT of a configuration version's archive: 200 (empty) once; 403 for a second PUT; 404 if unknown."""
    world = backend.world
    version = world.configuration_versions[world.blob_host.take_upload(request.params["secret"])]
    now = backend.clock.now()
    settle(version.workspace, now)  # earlier runs move on first, so an auto-queued run lines up behind them
    configuration_versions.receive(world, version, request.body, now)
    return Response(200, b"", {"Content-Type": "text/plain"})


ROUTES = (
    ("PUT", "/_archivist/v1/object/{secret}", upload, "none"),
)
