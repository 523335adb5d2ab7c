# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tfe.runs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Layer 2: protective gates. Resource address patterns and the actions they must not undergo.

A gate is judged on the plan's changes (``_plan_changes``); without them it cannot be judged, and
the caller fails closed.
"""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any, Dict, Iterable, List, Tuple

from ._plan_changes import CREATE, DELETE, IMPORT, REPLACE, UPDATE

ANY = "any"
PROTECTED_ACTIONS = (DELETE, REPLACE, UPDATE, ANY)
DEFAULT_PROTECTED = (DELETE, REPLACE)
# What each protected action forbids: a replacement destroys the object too, and "any" is every
# change to it (reading a data source changes nothing).
_FORBIDS = {DELETE: (DELETE, REPLACE), REPLACE: (REPLACE,), UPDATE: (UPDATE,),
            ANY: (CREATE, UPDATE, DELETE, REPLACE, IMPORT)}


@dataclass(frozen=True)
class Protection:
    """``pattern`` is a glob over resource addresses (``*`` and ``?``; brackets are literal, as in ``[0]``)."""

    pattern: str
    actions: Tuple[str, ...] = DEFAULT_PROTECTED

    def forbids(self, change: Dict[str, Any]) -> bool:
        address = change.get("address") or ""
        if not fnmatchcase(address, self.pattern.replace("[", "[[]")):
            return False
        return any(change.get("action") in _FORBIDS[action] for action in self.actions)


def parse_protections(items: Iterable[Any]) -> List[Protection]:
    """The user's protections: ``{address, actions}`` mappings or bare address patterns; ``ValueError`` if wrong."""
    protections = []
    for number, item in enumerate(items or [], start=1):
        if isinstance(item, str):
            item = {"address": item}
        if not isinstance(item, dict):
            raise ValueError("protection {0} must be an address pattern or a mapping with address and actions, "
                             "got {1}".format(number, type(item).__name__))
        pattern = str(item.get("address") or "").strip()
        if not pattern:
            raise ValueError("protection {0} has no address pattern".format(number))
        unknown = sorted(set(item) - {"address", "actions"})
        if unknown:
            raise ValueError("protection {0} ({1}) has unknown keys {2}; use address and actions".format(
                number, pattern, ", ".join(unknown)))
        actions = item.get("actions")
        actions = [actions] if isinstance(actions, str) else list(actions or DEFAULT_PROTECTED)
        wrong = [str(action) for action in actions if action not in PROTECTED_ACTIONS]
        if wrong:
            raise ValueError("protection {0} ({1}) names unknown actions {2}; valid actions are: {3}".format(
                number, pattern, ", ".join(wrong), ", ".join(PROTECTED_ACTIONS)))
        protections.append(Protection(pattern, tuple(actions)))
    return protections


def violations(changes: Iterable[Dict[str, Any]], protections: Iterable[Protection]) -> List[Dict[str, Any]]:
    """Each change a protection forbids: ``{address, action, protection}``, in the plan's order."""
    found = []
    protections = list(protections)
    for change in changes:
        for protection in protections:
            if protection.forbids(change):
                found.append({"address": change.get("address"), "action": change.get("action"),
                              "protection": protection.pattern})
                break
    return found
