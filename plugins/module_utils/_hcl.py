# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tfe.runs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Render Python values as HCL literals: run variables must be sent as HCL source, not JSON values.

``{"count": 2, "name": "web"}`` becomes ``2`` and ``"web"`` (with the quotes); a string is never
guessed to be a number, so the string ``"5"`` stays the string ``"5"``.
"""

from __future__ import annotations

import math
from typing import Any

_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}


class HclError(ValueError):
    """A value that has no HCL literal (NaN, infinity, an unsupported type)."""


def hcl_string(text: str) -> str:
    """A quoted HCL string; ``${`` and ``%{`` are escaped so TFE does not interpolate them."""
    out = []
    for char in text:
        if char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append("\\u{0:04x}".format(ord(char)))
        else:
            out.append(char)
    return '"' + "".join(out).replace("${", "$${").replace("%{", "%%{") + '"'


def hcl_literal(value: Any, path: str = "value") -> str:
    """The HCL literal for ``value``; ``path`` names the value in error messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):  # before int: bool is a subclass of int
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            raise HclError("{0} is {1!r}, which HCL cannot represent".format(path, value))
        return repr(value)
    if isinstance(value, str):
        return hcl_string(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(hcl_literal(item, "{0}[{1}]".format(path, n)) for n, item in enumerate(value)) + "]"
    if isinstance(value, dict):
        items = ("{0} = {1}".format(hcl_string(str(key)), hcl_literal(item, "{0}.{1}".format(path, key)))
                 for key, item in value.items())
        return "{" + ", ".join(items) + "}"
    raise HclError("{0} has type {1}, which cannot be sent as a Terraform variable".format(path, type(value).__name__))
