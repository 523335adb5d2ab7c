"""A run's planned resource changes (contract 5.5), the one source for the JSON plan, the plan
and apply logs and, with the ``plan_changes`` knob, the plan's counts.

Without the knob (and always for destroy runs and plans without changes) the changes follow the
run's counts: ``null_resource.sim[i]`` created,
``terraform_data.config[i]`` updated in place, ``null_resource.retired[i]`` destroyed,
``null_resource.imported[i]`` imported, and one unchanged ``null_resource.stable`` when the
plan has no changes. Each carries a secret-looking value (see :data:`SECRET_MARKER`) in
attributes marked sensitive, as a database password or token would be in a real plan.
"""
from __future__ import annotations

import copy
import hashlib
import re
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from .model import Run

# Every secret value the simulator puts into a plan starts with this marker, followed by hex
# that differs per run. A test scans a client's output for the marker: finding it means the
# client leaked a value that the API marks sensitive (or that only the raw JSON plan holds).
SECRET_MARKER = "SIMSECRET-"
Change = Dict[str, Any]
_INDEX = re.compile(r"^(?P<base>.*?)\[(?P<index>[^\]]*)\]$")


def secret_value(run: Run) -> str:
    """The run's secret: the marker and 24 hex digits derived from its (random) plan ID."""
    return SECRET_MARKER + hashlib.sha256(run.plan_id.encode("ascii")).hexdigest()[:24]


def resource_changes(run: Run) -> List[Change]:
    """The run's ``resource_changes``, each complete (address, mode, type, name, change...)."""
    if run.plan_changes is not None and run.has_changes_planned and not run.attributes["is-destroy"]:
        return [_complete(entry) for entry in run.plan_changes]
    return _default_changes(run)


def counts_of(entries: Sequence[Mapping[str, Any]]) -> Tuple[int, int, int, int]:
    """(additions, changes, destructions, imports) the way Terraform counts them: a replacement
    is one addition and one destruction; reads and no-ops count nothing."""
    adds = changes = destroys = imports = 0
    for entry in entries:
        actions = list(entry.get("actions", ["create"]))
        adds += "create" in actions
        destroys += "delete" in actions
        changes += actions == ["update"]
        imports += bool(entry.get("importing"))
    return adds, changes, destroys, imports


def snapshot(knob: Optional[List[Dict[str, Any]]]) -> Optional[List[Dict[str, Any]]]:
    """A private copy of the knob for a new run: later knob changes must not alter its plan."""
    return copy.deepcopy(knob) if knob is not None else None


def _complete(entry: Mapping[str, Any]) -> Change:
    """Fill in what a knob entry left out, the way Terraform would have written it."""
    address = entry.get("address")
    parsed = _parse_address(address) if isinstance(address, str) else {}
    module_address = entry.get("module_address", parsed.get("module_address"))
    type_, name = entry.get("type", parsed.get("type")), entry.get("name", parsed.get("name"))
    mode = entry.get("mode", parsed.get("mode", "managed"))
    index = entry.get("index", parsed.get("index"))
    if not isinstance(address, str):
        address = _address(module_address, mode, type_, name, index)
    actions = list(entry.get("actions", ["create"]))
    before = copy.deepcopy(entry.get("before"))
    after = copy.deepcopy(entry.get("after"))
    change: Change = {"address": address}
    if module_address:
        change["module_address"] = module_address
    change.update({"mode": mode, "type": type_, "name": name})
    if index is not None:
        change["index"] = index
    change["provider_name"] = entry.get("provider_name", _provider(type_))
    change["change"] = {
        "actions": actions, "before": before, "after": after,
        "after_unknown": copy.deepcopy(entry.get("after_unknown", {} if after is not None else False)),
        "before_sensitive": copy.deepcopy(entry.get("before_sensitive", {} if before is not None else False)),
        "after_sensitive": copy.deepcopy(entry.get("after_sensitive", {} if after is not None else False)),
    }
    if entry.get("importing"):
        change["change"]["importing"] = copy.deepcopy(entry["importing"])
    if entry.get("action_reason"):
        change["action_reason"] = entry["action_reason"]
    return change


def _parse_address(address: str) -> Dict[str, Any]:
    """``module.a.null_resource.x[0]`` -> module_address, mode, type, name, index."""
    parts = address.split(".")
    module_parts: List[str] = []
    while len(parts) > 2 and parts[0] == "module":
        module_parts += parts[:2]
        parts = parts[2:]
    mode = "managed"
    if parts and parts[0] == "data":
        mode, parts = "data", parts[1:]
    if len(parts) < 2:
        return {}
    found: Dict[str, Any] = {"mode": mode, "type": parts[0], "name": ".".join(parts[1:])}
    match = _INDEX.match(found["name"])
    if match:
        raw = match.group("index")
        found["name"] = match.group("base")
        found["index"] = int(raw) if raw.isdigit() else raw.strip('"')
    if module_parts:
        found["module_address"] = ".".join(module_parts)
    return found


def _address(module_address: Optional[str], mode: str, type_: str, name: str, index: Any) -> str:
    local = ("data." if mode == "data" else "") + "%s.%s" % (type_, name)
    if index is not None:
        local += "[%d]" % index if isinstance(index, int) else '["%s"]' % index
    return "%s.%s" % (module_address, local) if module_address else local


def _provider(type_: Optional[str]) -> str:
    """The provider a resource type belongs to, as Terraform names it in a plan."""
    prefix = (type_ or "null").split("_", 1)[0]
    if prefix == "terraform":
        return "terraform.io/builtin/terraform"
    return "registry.terraform.io/hashicorp/" + prefix


def _default_changes(run: Run) -> List[Change]:
    adds, updates, destroys, imports = run.counts
    secret = secret_value(run)
    entries: List[Dict[str, Any]] = []
    entries += [_created(index, secret) for index in range(adds)]
    entries += [_updated(index, secret) for index in range(updates)]
    entries += [_destroyed(index, secret) for index in range(destroys)]
    entries += [_imported(index) for index in range(imports)]
    if not entries:
        entries.append(_unchanged(secret))
    return [_complete(entry) for entry in entries]


def _created(index: int, secret: str) -> Dict[str, Any]:
    return {"address": "null_resource.sim[%d]" % index, "actions": ["create"], "before": None,
            "after": {"triggers": {"build": str(index), "password": secret}},
            "after_unknown": {"id": True, "triggers": {}}, "after_sensitive": {"triggers": {"password": True}}}


def _updated(index: int, secret: str) -> Dict[str, Any]:
    def state(version: int) -> Dict[str, Any]:
        return {"id": "cfg-%04d" % index, "input": {"version": version, "token": secret},
                "output": {"version": version, "token": secret}, "triggers_replace": None}
    sensitive = {"input": {"token": True}, "output": {"token": True}}
    return {"address": "terraform_data.config[%d]" % index, "actions": ["update"], "before": state(1),
            "after": dict(state(2), output=None), "after_unknown": {"output": True},
            "before_sensitive": sensitive, "after_sensitive": {"input": {"token": True}}}


def _destroyed(index: int, secret: str) -> Dict[str, Any]:
    return {"address": "null_resource.retired[%d]" % index, "actions": ["delete"],
            "before": {"id": str(7000000000000000000 + index), "triggers": {"password": secret}},
            "after": None, "before_sensitive": {"triggers": {"password": True}}}


def _imported(index: int) -> Dict[str, Any]:
    state = {"id": "imported-%d" % index, "triggers": None}
    return {"address": "null_resource.imported[%d]" % index, "actions": ["no-op"], "before": state,
            "after": dict(state), "importing": {"id": "imported-%d" % index}}


def _unchanged(secret: str) -> Dict[str, Any]:
    state = {"id": "6100000000000000000", "triggers": {"password": secret}}
    return {"address": "null_resource.stable", "actions": ["no-op"], "before": state, "after": dict(state),
            "before_sensitive": {"triggers": {"password": True}}, "after_sensitive": {"triggers": {"password": True}}}
