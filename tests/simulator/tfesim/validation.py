"""Validation of the POST /runs body (contract 5.1): shape, attribute types,
variables as HCL literals, and the combinations the server refuses."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Dict, Optional

from .errors import unprocessable

_BOOLEANS = ("allow-empty-apply", "allow-config-generation", "auto-apply", "debugging-mode", "is-destroy",
             "refresh", "refresh-only", "plan-only", "save-plan")
_STRINGS = ("message", "terraform-version")
_STRING_LISTS = ("replace-addrs", "target-addrs", "policy-paths", "invoke-action-addrs")
_HCL_LITERAL = re.compile(
    r'^\s*(?:-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null|"(?:[^"\\]|\\.)*"|\[.*\]|\{.*\}|<<-?\w+\n.*)\s*$',
    re.DOTALL)


@dataclass
class RunRequest:
    """What a valid POST /runs asked for."""

    workspace_id: str
    configuration_version_id: Optional[str]
    attributes: Dict[str, Any]


def _object(value: Any, pointer: str) -> Dict[str, Any]:
    if not isinstance(value, dict):
        raise unprocessable("%s must be an object" % pointer, pointer)
    return value


def _relationship_id(relationships: Dict[str, Any], name: str, type_: str, required: bool) -> Optional[str]:
    pointer = "/data/relationships/" + name
    if name not in relationships:
        if required:
            raise unprocessable("%s is required" % name, pointer)
        return None
    data = _object(relationships[name], pointer).get("data")
    if data is None and not required:
        return None  # go-tfe sends {"data": null} for "no configuration version": use the latest
    data = _object(data, pointer + "/data")
    if data.get("type") not in (None, type_) or not isinstance(data.get("id"), str) or not data["id"]:
        raise unprocessable("%s must reference a %s resource by id" % (name, type_), pointer + "/data")
    return data["id"]


def _check_attribute(name: str, value: Any) -> None:
    pointer = "/data/attributes/" + name
    if name in _BOOLEANS and not isinstance(value, bool):
        raise unprocessable("%s must be a boolean" % name, pointer)
    if name in _STRINGS and not isinstance(value, str):
        raise unprocessable("%s must be a string" % name, pointer)
    if name in _STRING_LISTS and value is not None and not (
            isinstance(value, list) and all(isinstance(item, str) for item in value)):
        raise unprocessable("%s must be a list of strings" % name, pointer)
    if name == "variables":
        _check_variables(value)


def _check_variables(value: Any) -> None:
    if not isinstance(value, list):
        raise unprocessable("variables must be a list of objects with a key and a value", "/data/attributes/variables")
    for index, item in enumerate(value):
        pointer = "/data/attributes/variables/%d" % index
        if not isinstance(item, dict) or not isinstance(item.get("key"), str) or not isinstance(item.get("value"), str):
            raise unprocessable("each variable needs a string key and a string value", pointer)
        if not _HCL_LITERAL.match(item["value"]):
            raise unprocessable("variable %s: the value must be an HCL literal, e.g. \"2\" or "
                                "\"\\\"text\\\"\" for a string" % item["key"], pointer + "/value")


def parse_run_request(body: Any) -> RunRequest:
    """Check the JSON:API document and return what it asks for, or raise a 422 naming the problem."""
    data = _object(_object(body, "the body").get("data"), "/data")
    if data.get("type") != "runs":
        raise unprocessable("data.type must be \"runs\"", "/data/type")
    attributes = _object(data.get("attributes", {}), "/data/attributes")
    for name, value in attributes.items():
        _check_attribute(name, value)
    relationships = _object(data.get("relationships", {}), "/data/relationships")
    workspace_id = _relationship_id(relationships, "workspace", "workspaces", required=True)
    cv_id = _relationship_id(relationships, "configuration-version", "configuration-versions", required=False)
    if attributes.get("is-destroy") and attributes.get("refresh-only"):
        raise unprocessable("is-destroy and refresh-only cannot be combined", "/data/attributes/refresh-only")
    known = set(_BOOLEANS) | set(_STRINGS) | set(_STRING_LISTS) | {"variables"}
    requested = {name: value for name, value in attributes.items() if name in known}
    return RunRequest(str(workspace_id), cv_id, requested)
