"""Identifiers, tokens and blob secrets in the shapes TFE uses (contract section 8)."""
from __future__ import annotations

import random
import secrets
import string

_ALNUM = string.ascii_letters + string.digits
# IDs only need to be unique, not unguessable: a fast PRNG keeps bulk seeding of
# thousands of runs cheap. Tokens and blob secrets use the secrets module.
_ID_RANDOM = random.Random()


def new_id(prefix: str) -> str:
    """Return ``<prefix>-`` followed by 16 alphanumerics, e.g. ``run-CZcmD7eagjhyX0vN``."""
    return prefix + "-" + "".join(_ID_RANDOM.choices(_ALNUM, k=16))


def _secret_chars(length: int) -> str:
    return "".join(secrets.choice(_ALNUM) for index in range(length))


def new_token() -> str:
    """A long random token shaped like TFE's (``<14>.atlasv1.<67>``).

    Long random strings matter: Ansible masks no_log values as substrings of all
    output, so a short or word-like token would mangle unrelated text.
    """
    return _secret_chars(14) + ".atlasv1." + _secret_chars(67)


def new_blob_secret() -> str:
    """The unguessable part of a log URL; the URL itself is the credential."""
    return secrets.token_urlsafe(32)
