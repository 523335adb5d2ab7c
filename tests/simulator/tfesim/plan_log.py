"""The text of plan and apply logs, coloured the way Terraform colours its output (contract 5.6).

Terraform writes ANSI escape codes into remote logs, so a client that shows or stores a log
must cope with them. The body has one block per resource change of the run's plan
(plan_changes.py); sensitive attributes appear as ``(sensitive value)``, never their values,
so the secret marker shows up in a JSON plan but never in a log. The ``log_lines`` knob
adds that many filler lines to make a log long.
"""
from __future__ import annotations

import json
from typing import Any, Dict, List, Tuple

from .model import Run
from .plan_changes import Change, resource_changes

RESET, BOLD = "\x1b[0m", "\x1b[1m"
GREEN, RED, YELLOW, CYAN = "\x1b[32m", "\x1b[31m", "\x1b[33m", "\x1b[36m"

# actions -> (symbol, colour, what the plan says it will do, what the apply says while doing it)
_ACTIONS: Dict[Tuple[str, ...], Tuple[str, str, str, str]] = {
    ("create",): ("+", GREEN, "will be created", "Creating..."),
    ("delete",): ("-", RED, "will be destroyed", "Destroying..."),
    ("update",): ("~", YELLOW, "will be updated in-place", "Modifying..."),
    ("delete", "create"): ("-/+", YELLOW, "must be replaced", "Destroying..."),
    ("create", "delete"): ("+/-", YELLOW, "must be replaced", "Creating..."),
    ("read",): ("<=", CYAN, "will be read during apply", "Reading..."),
    ("no-op",): (" ", RESET, "will be imported", "Importing..."),
}


def _shown(change: Change) -> bool:
    """Terraform lists every change except no-ops that are not imports."""
    return change["change"]["actions"] != ["no-op"] or bool(change["change"].get("importing"))


def _value(change: Dict[str, Any], key: str) -> str:
    """One attribute as the plan renders it; anything sensitive is hidden whole."""
    for marker in ("after_sensitive", "before_sensitive"):
        sensitive = change.get(marker)
        if isinstance(sensitive, dict) and sensitive.get(key):
            return "(sensitive value)"
    after_unknown = change.get("after_unknown")
    if isinstance(after_unknown, dict) and after_unknown.get(key) is True:
        return "(known after apply)"
    state = change.get("after") if change.get("after") is not None else change.get("before")
    value = (state or {}).get(key)
    return json.dumps(value) if not isinstance(value, str) else '"%s"' % value


def _resource_block(change: Change) -> List[str]:
    actions = change["change"]["actions"]
    symbol, colour, says, _doing = _ACTIONS[tuple(actions)]
    lines = ["%s  # %s%s %s" % (BOLD, change["address"], RESET, says)]
    keyword = "data" if change["mode"] == "data" else "resource"
    lines.append('%s  %s%s%s %s "%s" "%s" {%s' % (RESET, colour, symbol, RESET, keyword, change["type"],
                                                  change["name"], RESET))
    details = change["change"]
    keys = sorted(set((details.get("after") or {})) | set((details.get("before") or {}))
                  | set(k for k, v in (details.get("after_unknown") or {}).items() if v is True))
    width = max((len(key) for key in keys), default=0)
    for key in keys:
        lines.append("      %s%s%s %s = %s" % (colour, symbol, RESET, key.ljust(width), _value(details, key)))
    lines.append("    }")
    return lines


def _summary(adds: int, changes: int, destroys: int, imports: int) -> str:
    importing = (" %d to import," % imports) if imports else ""
    return "%sPlan:%s%s %d to add, %d to change, %d to destroy." % (BOLD, RESET, importing, adds, changes, destroys)


def filler(run: Run, doing: str) -> List[str]:
    """``log_lines`` extra lines (refreshing state in a plan, progress in an apply)."""
    return ["%snull_resource.filler[%d]: %s [id=%d]%s" % (BOLD, index, doing, 5000000000000000000 + index, RESET)
            for index in range(run.log_lines)]


def _refreshing(change: Change) -> str:
    """What Terraform prints for a resource that already exists before it plans."""
    resource_id = change["change"]["before"].get("id", "-")
    return "%s%s: Refreshing state... [id=%s]%s" % (BOLD, change["address"], resource_id, RESET)


def plan_body(run: Run) -> str:
    """A finished plan's log after the version banner."""
    changes = resource_changes(run)
    lines = filler(run, "Refreshing state...")
    lines += [_refreshing(change) for change in changes if isinstance(change["change"]["before"], dict)]
    shown = [change for change in changes if _shown(change)]
    if not shown:
        lines += ["", "%s%sNo changes.%s%s Your infrastructure matches the configuration.%s" % (
            GREEN, BOLD, RESET, BOLD, RESET)]
        return "\n".join(lines) + "\n"
    lines += ["", "Terraform will perform the following actions:", ""]
    for change in shown:
        lines += _resource_block(change) + [""]
    lines.append(_summary(*run.counts))
    return "\n".join(lines) + "\n"


def apply_body(run: Run) -> str:
    """A finished apply's log after the version banner."""
    lines = filler(run, "Still creating...")
    for change in resource_changes(run):
        if _shown(change):
            doing = _ACTIONS[tuple(change["change"]["actions"])][3]
            lines += ["%s%s: %s%s" % (BOLD, change["address"], doing, RESET),
                      "%s%s: Complete after 0s%s" % (BOLD, change["address"], RESET)]
    adds, changes, destroys = run.counts[:3]
    lines += ["", "%s%s%sApply complete! Resources: %d added, %d changed, %d destroyed.%s" % (
        RESET, BOLD, GREEN, adds, changes, destroys, RESET)]
    return "\n".join(lines) + "\n"


def error_body(message: str) -> str:
    """A failure as Terraform prints it (red ``Error:``), without its box-drawing characters."""
    return "\n%s%sError: %s%s%s%s\n" % (RED, BOLD, RESET, BOLD, message, RESET)
