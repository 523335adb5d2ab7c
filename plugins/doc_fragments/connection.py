# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tfe.runs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    """The connection options every tfe.runs module shares (mirrors CONNECTION_ARGUMENT_SPEC)."""

    DOCUMENTATION = r"""
options:
  tfe_address:
    description:
      - Address of HCP Terraform or the Terraform Enterprise installation.
      - A host name (V(tfe.example.com), which means HTTPS) or a URL; a trailing V(/api/v2) is accepted.
      - If not set, the environment variable E(TFE_ADDRESS) is used, then E(TFE_HOSTNAME),
        then V(https://app.terraform.io). These are the variables go-tfe and the TFE provider read,
        so one AWX credential can serve Terraform and this collection.
    type: str
    aliases: [url, hostname]
  tfe_token:
    description:
      - API token of a user or team (site-admin user tokens for the C(tfe_admin_*) modules).
        Organization tokens cannot queue or act on runs.
      - If not set, the environment variable E(TFE_TOKEN) is used; then, as the Terraform CLI does,
        E(TF_TOKEN_<host>) for the host of O(tfe_address) (dots written as V(_), hyphens as V(__),
        non-ASCII labels in punycode, no port), then the C(credentials) entry for that host in
        C(~/.terraform.d/credentials.tfrc.json). A token found there is hidden from all output.
      - The token is sent only to O(tfe_address), never to the storage host of plan and apply logs.
    type: str
    aliases: [token]
  validate_certs:
    description:
      - Verify the server's TLS certificate. Only set V(false) for a test installation.
    type: bool
    default: true
  ca_path:
    description:
      - PEM file of the certificate authorities that sign the installation's certificate,
        for a Terraform Enterprise with a private CA.
    type: path
  timeout:
    description:
      - Seconds to wait for each answer from the API (connecting has its own 10 second limit).
    type: float
    default: 30
  max_retries:
    description:
      - How often a request is retried after a rate limit (HTTP 429), a gateway error (502, 503, 504)
        or a lost connection, with exponential backoff and jitter; V(Retry-After) and
        V(X-RateLimit-Reset) are honoured. The sleeps of one request add up to at most 120 seconds.
      - A request that creates or changes something is only retried when TFE cannot have acted on it.
    type: int
    default: 5
  allow_insecure_http:
    description:
      - Allow sending the token over plain C(http://) to a host other than the local machine.
        Without it, such an address is refused before any request.
    type: bool
    default: false
notes:
  - "The module runs on the task's host (use C(delegate_to: localhost) or a local play);
    the Python library C(requests) must be installed there, and the environment fallbacks are read there."
  - All modules of the collection are in the action group C(tfe.runs.tfe), so connection settings
    can be given once with C(module_defaults).
requirements:
  - requests
"""
