"""A finished plan as Terraform's JSON plan document (``terraform show -json``, format 1.2; contract 5.5).

``resource_changes`` come from plan_changes.py; ``prior_state``, ``planned_values``,
``output_changes``, ``configuration`` and ``variables`` are built to agree with them. Like a real
JSON plan it holds sensitive values in clear (``variables`` and the ``before``/``after`` of
sensitive attributes, flagged in ``*_sensitive``): the values carry the secret marker, so a
client that passes the document (or parts of it) on unredacted can be caught.
"""
from __future__ import annotations

import json
from typing import Any, Dict, List, Optional

from .model import Run
from .plan_changes import Change, resource_changes, secret_value
from .timefmt import rfc3339

FORMAT_VERSION = "1.2"
STATE_FORMAT_VERSION = "1.0"


def too_old_for_json(terraform_version: str) -> bool:
    """Terraform before 0.12 cannot render a plan as JSON (the endpoint then answers 422)."""
    parts = terraform_version.lstrip("v").split(".")
    try:
        return (int(parts[0]), int(parts[1])) < (0, 12)
    except (IndexError, ValueError):
        return False  # "latest" and the like: a current version


def _hcl_value(literal: str) -> Any:
    """A run variable's HCL literal as the JSON plan shows the value (strings unquoted)."""
    try:
        return json.loads(literal)
    except ValueError:
        return literal


def variables(run: Run) -> Dict[str, Dict[str, Any]]:
    """The root module's variables: a region, a sensitive password, and the run's own variables."""
    found: Dict[str, Dict[str, Any]] = {"region": {"value": "eu-west-1"}, "db_password": {"value": secret_value(run)}}
    requested: Any = run.attributes.get("variables") or []
    for item in requested:
        found[item["key"]] = {"value": _hcl_value(item["value"])}
    return found


def _module_of(change: Change) -> str:
    return change.get("module_address", "")


def _resource_value(change: Change, values: Any, sensitive: Any) -> Dict[str, Any]:
    resource: Dict[str, Any] = {key: change[key] for key in ("address", "mode", "type", "name", "index",
                                                             "provider_name") if key in change}
    resource.update({"schema_version": 0, "values": values,
                     "sensitive_values": sensitive if isinstance(sensitive, dict) else {}})
    return resource


def _module_tree(resources_by_module: Dict[str, List[Dict[str, Any]]]) -> Dict[str, Any]:
    """A root_module with one child module per module address (nesting flattened to one level)."""
    root: Dict[str, Any] = {"resources": resources_by_module.get("", [])}
    children = [{"address": address, "resources": items} for address, items in sorted(resources_by_module.items())
                if address]
    if children:
        root["child_modules"] = children
    return root


def _values_tree(changes: List[Change], side: str) -> Dict[str, Any]:
    by_module: Dict[str, List[Dict[str, Any]]] = {}
    for change in changes:
        values = change["change"][side]
        if values is not None and change["mode"] == "managed":
            by_module.setdefault(_module_of(change), []).append(
                _resource_value(change, values, change["change"][side + "_sensitive"]))
    return _module_tree(by_module)


def _output_changes(run: Run, changes: List[Change]) -> Dict[str, Dict[str, Any]]:
    creates = any("create" in change["change"]["actions"] for change in changes)
    endpoint = "https://%s.sim.example/" % run.workspace.name
    return {
        "endpoint": {"actions": ["create"] if creates else ["no-op"], "before": None if creates else endpoint,
                     "after": endpoint, "after_unknown": False, "before_sensitive": False, "after_sensitive": False},
        "db_password": {"actions": ["no-op"], "before": secret_value(run), "after": secret_value(run),
                        "after_unknown": False, "before_sensitive": True, "after_sensitive": True},
    }


def _planned_outputs(outputs: Dict[str, Dict[str, Any]]) -> Dict[str, Dict[str, Any]]:
    return {name: {"sensitive": bool(out["after_sensitive"]), "value": out["after"]} for name, out in outputs.items()}


def _configuration(changes: List[Change]) -> Dict[str, Any]:
    providers = sorted({change["provider_name"] for change in changes})
    resources: List[Dict[str, Any]] = []
    for change in changes:
        if _module_of(change):
            continue  # module calls are not modelled; their resources still appear in the plan
        local = change["address"].split("[")[0]
        if all(item["address"] != local for item in resources):
            resources.append({"address": local, "mode": change["mode"], "type": change["type"],
                              "name": change["name"], "provider_config_key": change["provider_name"].split("/")[-1],
                              "schema_version": 0})
    return {
        "provider_config": {name.split("/")[-1]: {"name": name.split("/")[-1], "full_name": name}
                            for name in providers},
        "root_module": {
            "resources": resources,
            "outputs": {"endpoint": {"expression": {"constant_value": "endpoint"}},
                        "db_password": {"sensitive": True, "expression": {"references": ["var.db_password"]}}},
            "variables": {"region": {"default": "eu-west-1", "description": "Where to deploy"},
                          "db_password": {"sensitive": True, "description": "The database password"}},
        },
    }


def document(run: Run, finished_at: Optional[float] = None) -> Dict[str, Any]:
    """The JSON plan of a run whose plan has finished."""
    changes = resource_changes(run)
    outputs = _output_changes(run, changes)
    has_prior = any(change["change"]["before"] is not None for change in changes)
    plan: Dict[str, Any] = {
        "format_version": FORMAT_VERSION,
        "terraform_version": run.attributes["terraform-version"],
        "variables": variables(run),
        "planned_values": {"outputs": _planned_outputs(outputs), "root_module": _values_tree(changes, "after")},
        "resource_changes": changes,
        "output_changes": outputs,
        "configuration": _configuration(changes),
        "relevant_attributes": [],
        "applyable": any(change["change"]["actions"] != ["no-op"] for change in changes),
        "complete": True,
        "errored": False,
    }
    if has_prior:
        plan["prior_state"] = {"format_version": STATE_FORMAT_VERSION,
                               "terraform_version": run.attributes["terraform-version"],
                               "values": {"root_module": _values_tree(changes, "before")}}
    if finished_at is not None:
        plan["timestamp"] = rfc3339(finished_at).replace("+00:00", "Z")
    return plan
