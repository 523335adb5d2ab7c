"""Service discovery, ping (contract 1.2, 1.3) and the token-free log blob store (1.7, 5.6)."""
from __future__ import annotations

from typing import TYPE_CHECKING

from . import api_blobs, subresources
from .lifecycle import settle
from .httpcore import Request, Response

if TYPE_CHECKING:
    from .backend import Backend

# The services app.terraform.io is seen to publish (contract 1.2); clients such as terrasnek read
# modules.v1 and providers.v1 even when they only use the runs API.
DISCOVERY = {"modules.v1": "/api/registry/v1/modules/", "providers.v1": "/api/registry/v1/providers/",
             "motd.v1": "/api/terraform/motd", "state.v2": "/api/v2/", "tfe.v2": "/api/v2/",
             "tfe.v2.1": "/api/v2/", "tfe.v2.2": "/api/v2/", "versions.v1": "https://checkpoint-api.hashicorp.com/v1/versions/"}


def discovery(_backend: "Backend", _request: Request) -> Response:
    """``/.well-known/terraform.json``, plain application/json as the protocol requires."""
    return Response.document(200, DISCOVERY, content_type="application/json")


def ping(backend: "Backend", _request: Request) -> Response:
    """go-tfe's bootstrap call: only the headers matter to clients."""
    knobs = backend.installation
    response = Response.document(200, {})
    response.headers.update({
        # The configured per-second limit when one is enforced, else TFE's default.
        "TFP-API-Version": knobs.api_version, "X-RateLimit-Limit": str(knobs.api_rate_limit_per_second or 30),
        "TFP-AppName": knobs.app_name,
        "X-TFE-Version": knobs.tfe_version, "X-TFE-Current-Version": knobs.tfe_version,
    })
    return response


def _window(text: str, request: Request) -> str:
    """?offset=&limit= in bytes, as go-tfe's log reader sends them (the log is ASCII)."""
    try:
        offset = max(int(request.query.get("offset", "0")), 0)
        limit = int(request.query["limit"]) if "limit" in request.query else None
    except ValueError:
        return text
    end = None if limit is None or limit < 0 else offset + limit
    return text[offset:end]


def blob(backend: "Backend", request: Request) -> Response:
    """A plan or apply log. The URL's secret is the credential: no token needed, any token ignored."""
    found = backend.world.blobs.get(request.params["secret"])
    if found is None:
        return api_blobs.download(backend, request)  # a short-lived object (a JSON plan), or 404
    run, phase = found
    settle(run.workspace, backend.clock.now())
    body = _window(subresources.log_text(run, phase), request).encode("ascii", "replace")
    return Response(200, body, {"Content-Type": "text/plain"})


ROUTES = (
    ("GET", "/.well-known/terraform.json", discovery, "none"),
    ("GET", "/api/v2/ping", ping, "none"),
    ("GET", "/_archivist/v1/object/{secret}", blob, "none"),
)
