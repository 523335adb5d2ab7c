# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tfe.runs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Run a module's ``main()`` with arguments fed the way ansible-core feeds them, on every supported core.

ansible-core 2.19+ has ``ansible.module_utils.testing.patch_module_args``; older cores read the
arguments from ``basic._ANSIBLE_ARGS``. The result is read back from stdout as JSON, exactly what
the controller would receive.
"""

from __future__ import annotations

import contextlib
import io
import json
from typing import Any, Callable, Dict, Iterator

from ansible.module_utils import basic
from ansible.module_utils.common.text.converters import to_bytes

try:
    from ansible.module_utils.testing import patch_module_args
except ImportError:
    patch_module_args = None


@contextlib.contextmanager
def module_args(args: Dict[str, Any]) -> Iterator[None]:
    if patch_module_args is not None:
        with patch_module_args(args):
            yield
        return
    previous = basic._ANSIBLE_ARGS
    basic._ANSIBLE_ARGS = to_bytes(json.dumps({"ANSIBLE_MODULE_ARGS": args}))
    try:
        yield
    finally:
        basic._ANSIBLE_ARGS = previous


def run_module(main: Callable[[], None], args: Dict[str, Any]) -> Dict[str, Any]:
    """Call ``main()`` and return the JSON result it printed (``failed`` is set on fail_json)."""
    output = io.StringIO()
    with module_args(args), contextlib.redirect_stdout(output):
        try:
            main()
        except SystemExit:
            pass
    text = output.getvalue()
    try:
        return json.loads(text)
    except ValueError as exc:
        raise AssertionError("module printed no JSON result: {0!r}".format(text)) from exc
