# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tfe.runs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Layer 3: the Ansible glue. Connection options, credential lookup, the client, clear failures.

Every module is a ``TfeModule``: it declares only its own options, calls one layer-2 verb and hands
the verb's ``Outcome`` to ``module.finish``, which exits or fails the same way for every module.
"""

from __future__ import annotations

import ipaddress
import os
from typing import Any, Dict, Iterator, Optional, Tuple
from urllib.parse import urlsplit

from ansible.module_utils.basic import AnsibleModule, env_fallback, missing_required_lib
from ansible.module_utils.ansible_release import __version__ as ANSIBLE_VERSION

from ._budget import DEFAULT_RATE, open_budget
from ._client import REQUESTS_IMPORT_ERROR, RetryPolicy, TfeClient
from ._credentials import CREDENTIALS_FILE, find_cli_token
from ._errors import TfeApiError, TfeHttpError, TfeTransportError
from ._jsonapi import site_url
from ._outcome import Outcome
from ._plan_review import ReviewOptions
from ._statuses import CONFIRM_OR_DISCARD, DECIDE_TASK_STAGE, OVERRIDE_OR_DISCARD

ADDRESS_ENV = ("TFE_ADDRESS", "TFE_HOSTNAME")
TOKEN_ENV = "TFE_TOKEN"

# Mirrored, option by option, by plugins/doc_fragments/connection.py.
CONNECTION_ARGUMENT_SPEC: Dict[str, Dict[str, Any]] = {
    "tfe_address": {"type": "str", "aliases": ["url", "hostname"], "fallback": (env_fallback, list(ADDRESS_ENV))},
    "tfe_token": {"type": "str", "aliases": ["token"], "no_log": True, "fallback": (env_fallback, [TOKEN_ENV])},
    "validate_certs": {"type": "bool", "default": True},
    "ca_path": {"type": "path"},
    "timeout": {"type": "float", "default": 30.0},
    "max_retries": {"type": "int", "default": 5},
    "request_rate": {"type": "float", "default": DEFAULT_RATE},
    "rate_limit_patience": {"type": "float", "default": 300.0},
    "allow_insecure_http": {"type": "bool", "default": False},
}

# Mirrored by plugins/doc_fragments/plan_review.py: what the run modules show of a finished plan.
PLAN_REVIEW_ARGUMENT_SPEC: Dict[str, Dict[str, Any]] = {
    "plan_changes": {"type": "bool"},
    "plan_log_lines": {"type": "int", "default": 0},
}


def review_options(params: Dict[str, Any], changes_by_default: bool = False) -> ReviewOptions:
    """The plan review a module's options ask for; ``plan_changes`` unset means ``changes_by_default``."""
    changes = params["plan_changes"]
    return ReviewOptions(changes=changes_by_default if changes is None else changes,
                         log_lines=params["plan_log_lines"])


# What to do next, per HTTP status, appended to the API's own words.
_ADVICE = {
    401: "TFE rejected the token (invalid, revoked or expired): give a valid token with tfe_token or TFE_TOKEN.",
    403: "The token may not perform this action.",
    404: "TFE answers 404 both when the resource does not exist and when the token has no access to it: "
         "check the name or ID and the token's permissions.",
    409: "The resource is not in a state that allows this action; it may have changed meanwhile.",
    422: "TFE refused the request as invalid.",
    429: "TFE kept rate-limiting the requests for longer than the task could wait: raise rate_limit_patience "
         "or wait_timeout, or lower request_rate (TFE's limit is per user, shared by all of its tokens and jobs).",
}

# What to do next, per the kind of gate a failed task left a run at (layer 2 names the kind).
NEXT_STEPS = {
    CONFIRM_OR_DISCARD: "Apply it with tfe.runs.tfe_run_apply or discard it with tfe.runs.tfe_run_cancel.",
    OVERRIDE_OR_DISCARD: "Override the policy check (tfe.runs.tfe_run_apply with override=[policy] and a comment, or "
                         "in TFE), or discard the run with tfe.runs.tfe_run_cancel.",
    DECIDE_TASK_STAGE: "Decide the task stage (tfe.runs.tfe_run_apply with override=[run_tasks] or [policy] and a "
                       "comment, or in TFE), or discard the run with tfe.runs.tfe_run_cancel.",
    "force_cancel": "Set force=true to force-cancel it once TFE allows.",
}


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def describe_api_error(error: TfeApiError, action: str, hint_404: str = "") -> str:
    """One sentence a user can act on: what was attempted, what TFE said, what to do next."""
    text = "Failed to {0}: {1}.".format(action, error.describe().rstrip("."))
    if isinstance(error, TfeHttpError):
        advice = _ADVICE.get(error.status or 0)
        if error.status and 500 <= error.status < 600:
            advice = "TFE had a server-side problem; retry later."
        if error.status == 404 and hint_404:
            advice = "{0} {1}".format(_ADVICE[404], hint_404)
        if advice:
            text += " " + advice
    elif isinstance(error, TfeTransportError):
        if error.reason == "connect":
            text += " Check tfe_address, the network path and any proxy settings (HTTPS_PROXY, NO_PROXY)."
        elif error.reason == "timeout":
            text += " Raise timeout if the installation is slow."
    return text


def leaf_strings(value: Any) -> Iterator[str]:
    """The strings Ansible derives from a no_log value to mask: every scalar leaf but booleans and None."""
    if isinstance(value, dict):
        for item in value.values():
            yield from leaf_strings(item)
    elif isinstance(value, (list, tuple, set)):
        for item in value:
            yield from leaf_strings(item)
    elif value is not None and not isinstance(value, bool):
        yield str(value)


class TfeModule(AnsibleModule):
    """An ``AnsibleModule`` with the shared connection options and a lazily built API client."""

    def __init__(self, argument_spec: Optional[Dict[str, Any]] = None, hidden_options: Tuple[str, ...] = (),
                 id_options: Tuple[str, ...] = (), **kwargs: Any) -> None:
        """``hidden_options`` are ``no_log`` options whose values are kept out of the invocation and logs
        but not masked in the rest of the output (masking a run variable such as ``3`` would mangle every
        ``3`` in the result). ``id_options`` name TFE objects and are checked by ``check_ids``."""
        spec = {name: dict(option) for name, option in CONNECTION_ARGUMENT_SPEC.items()}
        spec.update(argument_spec or {})
        self._hidden_options = hidden_options  # before super(): argument errors already call fail_json
        self._client: Optional[TfeClient] = None
        super().__init__(argument_spec=spec, **kwargs)
        keep = {str(self.params.get(name)) for name, option in spec.items()
                if option.get("no_log") and name not in hidden_options}
        for name in hidden_options:
            for value in leaf_strings(self.params.get(name)):
                if value not in keep:
                    self.no_log_values.discard(value)
        self.check_ids(*id_options)
        if (self.params.get("wait_timeout") or 0) < 0:
            self.fail_json(msg="wait_timeout cannot be negative")

    def _invocation(self) -> Dict[str, Any]:
        """The module arguments as echoed in results, hidden options reduced to their keys."""
        shown = dict(self.params)
        for name in self._hidden_options:
            value = shown.get(name)
            if isinstance(value, dict):
                shown[name] = {key: "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER" for key in value}
            elif value is not None:
                shown[name] = "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"
        return {"module_args": shown}

    def exit_json(self, **kwargs: Any) -> None:
        if self._hidden_options:
            kwargs.setdefault("invocation", self._invocation())
        super().exit_json(**kwargs)

    def fail_json(self, msg: str, **kwargs: Any) -> None:
        if self._hidden_options:
            kwargs.setdefault("invocation", self._invocation())
        super().fail_json(msg, **kwargs)

    def check_ids(self, *names: str) -> None:
        """Refuse, before any request, ID or name options whose value cannot name anything in TFE.

        ``api_path`` encodes every other value, but an empty, ``.`` or ``..`` one has no encoding (and an
        empty run ID would make the admin search list every run), and whitespace around a TFE ID or name
        is always a mistake (the admin search trims it, a route does not, so the two would name
        different runs). Unlike ``api_path``'s error, the message names the option.
        """
        for name in names:
            value = self.params.get(name)
            for item in value if isinstance(value, list) else [value]:
                if item is None:
                    continue
                text = str(item)
                if text in ("", ".", "..") or text != text.strip():
                    shown = text if len(text) <= 60 else text[:60] + "..."
                    self.fail_json(msg="Invalid {0} {1!r}: an ID or name cannot be empty, '.' or '..', nor begin or "
                                       "end with whitespace.".format(name, shown))

    @property
    def client(self) -> TfeClient:
        if self._client is None:
            self._client = self._build_client()
        return self._client

    def _build_client(self) -> TfeClient:
        if REQUESTS_IMPORT_ERROR:
            self.fail_json(msg=missing_required_lib("requests"), exception=REQUESTS_IMPORT_ERROR)
        params = self.params
        try:
            address = site_url(params["tfe_address"])
        except ValueError as exc:
            self.fail_json(msg="Invalid tfe_address: {0}".format(exc))
        host = urlsplit(address).hostname or ""
        if urlsplit(address).scheme == "http" and not is_loopback(host) and not params["allow_insecure_http"]:
            self.fail_json(msg="Refusing to send the TFE token in clear text to {0}: use https://, or set "
                               "allow_insecure_http=true if this plain-HTTP address is really "
                               "intended.".format(address))
        if params["timeout"] <= 0 or params["max_retries"] < 0:
            self.fail_json(msg="timeout must be positive and max_retries zero or more")
        if params["request_rate"] <= 0 or params["rate_limit_patience"] < 0:
            self.fail_json(msg="request_rate must be positive and rate_limit_patience zero or more")
        token = self._token_for(host)
        budget, problem = open_budget(address, token, rate=params["request_rate"])
        if problem:
            self.warn(problem)
        return TfeClient(
            address, token, validate_certs=params["validate_certs"], ca_path=params["ca_path"],
            timeout=params["timeout"], limiter=budget,
            retry=RetryPolicy(max_retries=params["max_retries"], patience=params["rate_limit_patience"]),
            user_agent="ansible-core/{0}".format(ANSIBLE_VERSION))

    def _token_for(self, host: str) -> str:
        token = self.params["tfe_token"]
        if token:
            return token
        lookup = find_cli_token(host, os.environ, CREDENTIALS_FILE)
        if not lookup.token:
            places = ["the tfe_token option", "the environment variable " + TOKEN_ENV] + lookup.searched
            self.fail_json(msg="No TFE token found for {0}. Looked in: {1}.".format(host, ", ".join(places)))
        # Found by the collection, not by Ansible: mask it in all output like a no_log option.
        self.no_log_values.add(lookup.token)
        return lookup.token

    def finish(self, outcome: Outcome) -> None:
        """Exit with the verb's result, or fail with its message and the result so far (``changed`` kept)."""
        for warning in outcome.warnings:
            self.warn(warning)
        failure = outcome.failure
        if failure is None:
            self.exit_json(changed=outcome.changed, **outcome.result)
        elif failure.error is not None:
            self.fail_api(failure.error, failure.attempted, failure.hint_404, changed=outcome.changed,
                          **outcome.result)
        else:
            advice = NEXT_STEPS.get(failure.next_step or "")
            self.fail_json(msg=failure.message + (" " + advice if advice else ""), changed=outcome.changed,
                           **outcome.result)

    def fail_api(self, error: TfeApiError, attempted: str, hint_404: str = "", **result: Any) -> None:
        details = {"method": error.method, "path": error.path, "title": error.title, "detail": error.detail,
                   "attempts": error.attempts}
        result.setdefault("changed", False)
        self.fail_json(msg=describe_api_error(error, attempted, hint_404), status_code=error.status,
                       api_error=details, **result)
