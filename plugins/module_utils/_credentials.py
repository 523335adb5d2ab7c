# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tfe.runs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Where a token comes from when the task does not give one: the Terraform CLI's own conventions.

Part of the Ansible glue layer, but free of Ansible imports so it is tested on its own. The rules
follow the Terraform CLI: ``TF_TOKEN_<host>`` with ``.`` written ``_`` and ``-`` written ``__``,
host names compared lower-cased and in punycode, and ``~/.terraform.d/credentials.tfrc.json``.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import List, Mapping, Optional

ENV_PREFIX = "TF_TOKEN_"
CREDENTIALS_FILE = os.path.join("~", ".terraform.d", "credentials.tfrc.json")


def comparable_host(host: str) -> str:
    """A host name as Terraform compares them: lower case, each label in punycode, no port."""
    name = host.strip().rstrip(".").split(":")[0] if not host.startswith("[") else host
    try:
        return name.encode("idna").decode("ascii").lower()
    except UnicodeError:
        return name.lower()


def env_var_name(host: str) -> str:
    """The ``TF_TOKEN_*`` variable name the Terraform CLI documents for ``host``."""
    return ENV_PREFIX + comparable_host(host).replace("-", "__").replace(".", "_")


def host_from_env_var(name: str) -> Optional[str]:
    """Reverse of ``env_var_name``: ``__`` means ``-`` and ``_`` means ``.``, as in the Terraform CLI."""
    if not name.startswith(ENV_PREFIX) or len(name) == len(ENV_PREFIX):
        return None
    raw = name[len(ENV_PREFIX):].replace("__", "-").replace("_", ".")
    return comparable_host(raw)


@dataclass
class TokenLookup:
    """The token found (if any), where it came from, and every place that was looked at."""

    token: Optional[str] = None
    source: Optional[str] = None
    searched: List[str] = field(default_factory=list)


def token_from_env(host: str, environ: Mapping[str, str]) -> Optional[str]:
    """``TF_TOKEN_<host>``; when several spellings match, the sorted-first name wins (deterministic)."""
    wanted = comparable_host(host)
    for name in sorted(environ):
        if environ[name] and host_from_env_var(name) == wanted:
            return environ[name]
    return None


def token_from_credentials_file(host: str, path: str) -> Optional[str]:
    """``credentials.<host>.token`` from the Terraform CLI's JSON credentials file, if readable."""
    try:
        with open(os.path.expanduser(path), encoding="utf-8") as handle:
            document = json.load(handle)
    except (OSError, ValueError):
        return None
    credentials = document.get("credentials") if isinstance(document, dict) else None
    if not isinstance(credentials, dict):
        return None
    wanted = comparable_host(host)
    for name in sorted(credentials):
        entry = credentials[name]
        if comparable_host(name) == wanted and isinstance(entry, dict) and entry.get("token"):
            return str(entry["token"])
    return None


def find_cli_token(host: str, environ: Mapping[str, str], credentials_file: str = CREDENTIALS_FILE) -> TokenLookup:
    """Look for a token the way the Terraform CLI would, recording each place searched."""
    lookup = TokenLookup()
    variable = env_var_name(host)
    lookup.searched.append("the environment variable " + variable)
    token = token_from_env(host, environ)
    if token:
        lookup.token, lookup.source = token, variable
        return lookup
    lookup.searched.append("the Terraform CLI credentials file " + credentials_file)
    token = token_from_credentials_file(host, credentials_file)
    if token:
        lookup.token, lookup.source = token, credentials_file
    return lookup
