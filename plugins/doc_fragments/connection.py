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
      - How often a request is retried after a gateway error (502, 503, 504), an unusable answer or a lost
        connection, with exponential backoff and jitter. The sleeps of one request add up to at most 120 seconds.
      - Reads and actions on an existing run (apply, discard, cancel, force-cancel) are repeated; a repeated
        action that TFE already took is answered 409, and the module reads the run again. Queueing a run
        (C(POST /runs)) is never repeated blindly; after an ambiguous answer the module looks for the run instead.
      - A rate limit (HTTP 429) is not counted here; see O(rate_limit_patience).
    type: int
    default: 5
  request_rate:
    description:
      - Requests per second that all tfe.runs tasks of this machine together send to one TFE host with one
        token, in bursts of at most 3. TFE allows 30 per second per user, so the default stays under it.
      - The budget is shared by every module process of the user on the machine (an AWX job over 40
        workspaces runs 40 at once), through a small state file per host and token in a private directory,
        E(TFE_RUNS_BUDGET_DIR) if set, else C($XDG_RUNTIME_DIR/tfe.runs), else C(~/.cache/tfe.runs/budget),
        created with mode 0700 and named by a hash of the host and token (never the token itself). Where that
        directory cannot be used, each task paces only itself and the module warns.
      - The two run lists, which TFE limits to 30 requests a minute, also share a budget, of 24 a minute
        (bursts of 3) at the default rate and in proportion to O(request_rate) otherwise.
      - Requests are counted when sent, too, so tasks that a busy machine wakes late and together still send
        at most O(request_rate) + 3 in any second; above a rate of 61 only the start times are paced.
      - Tasks that wait for runs poll less often the more of them wait at once, so that waiting takes at most
        half of the budget; each waiter polls at most every (number of waiters) / (half of O(request_rate))
        seconds, so 40 waiters at the default rate poll every 3.2 seconds each, and 100 every 8 seconds.
      - Lower it when other tools use the same TFE user at the same time.
    type: float
    default: 25
  rate_limit_patience:
    description:
      - Seconds a request keeps being retried while TFE answers 429 (rate limited), after the delay the
        server asks for (C(Retry-After), else C(X-RateLimit-Reset)) plus up to a second of random jitter.
        A 429 seen by one task holds every task of the same user on the machine for that delay, and halves
        their O(request_rate) until 10 seconds after the last 429.
      - While a module waits for a run, its reads are retried until the end of that wait (C(wait_timeout)) instead.
    type: float
    default: 300
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
