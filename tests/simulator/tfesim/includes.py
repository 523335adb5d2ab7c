"""The ``include`` query parameter: validation (400 on unknown names, contract 2)
and building the ``included`` array for run documents (or neither, with ``ignore_include``)."""
from __future__ import annotations

from typing import Any, Callable, Dict, FrozenSet, Iterable, List, Optional, Set, Tuple

from . import serializers, task_stages
from .context import installation
from .errors import ApiError
from .model import Run
from .serializers import Included, View

RUN_INCLUDES = frozenset({
    "plan", "apply", "workspace", "created_by", "cost_estimate", "configuration_version",
    "configuration_version.ingress_attributes", "task_stages",
})
ADMIN_RUN_INCLUDES = frozenset({"workspace", "workspace.organization", "workspace.organization.owners"})


def parse_include(value: Optional[str], allowed: FrozenSet[str]) -> List[str]:
    """The comma list, or a 400 whose message contains "include parameter" (what go-tfe looks for).
    An installation with ``ignore_include`` neither checks nor honours it: no endpoint adds ``included``."""
    if installation().ignore_include:
        return []
    names = [name.strip() for name in (value or "").split(",") if name.strip()]
    unknown = [name for name in names if name not in allowed]
    if unknown:
        raise ApiError(400, "Invalid include parameter: %s" % ", ".join(unknown), title="Invalid include parameter")
    return names


def _workspace(view: View, run: Run) -> Optional[dict]:
    return serializers.workspace_resource(view, run.workspace)


def _organization(view: View, run: Run) -> Optional[dict]:
    return serializers.organization_resource(view.world.organization(run.workspace.organization))


def _created_by(view: View, run: Run) -> Optional[dict]:
    return serializers.user_resource(view.world, run.created_by) if run.created_by else None


def _cost_estimate(_view: View, run: Run) -> Optional[dict]:
    return serializers.cost_estimate_resource(run) if run.cost_estimate_id else None


def _configuration_version(view: View, run: Run) -> Optional[dict]:
    version = view.world.configuration_versions.get(run.configuration_version_id or "")
    return serializers.configuration_version_resource(view, version) if version else None


def _ingress_attributes(view: View, run: Run) -> Optional[dict]:
    version = view.world.configuration_versions.get(run.configuration_version_id or "")
    return serializers.ingress_attributes_resource(version) if version else None


# name -> (what identifies the included resource(s), how to build it: one resource, None, or a
# list for a to-many relationship). The key lets a page of runs in one workspace build that
# workspace once. Includes without a builder are accepted but add nothing (organization owners).
_BUILDERS: Dict[str, Tuple[Callable[[Run], Optional[str]], Callable[[View, Run], Any]]] = {
    "plan": (lambda run: run.plan_id, serializers.plan_resource),
    "apply": (lambda run: run.apply_id, serializers.apply_resource),
    "workspace": (lambda run: run.workspace.id, _workspace),
    "workspace.organization": (lambda run: run.workspace.organization.lower(), _organization),
    "created_by": (lambda run: run.created_by, _created_by),
    "cost_estimate": (lambda run: run.cost_estimate_id, _cost_estimate),
    "configuration_version": (lambda run: run.configuration_version_id, _configuration_version),
    "configuration_version.ingress_attributes": (lambda run: run.configuration_version_id, _ingress_attributes),
    "task_stages": (lambda run: run.id, task_stages.stages_of),
}


def included_for(view: View, runs: Iterable[Run], names: List[str]) -> List[dict]:
    """The ``included`` array for the runs and include names."""
    expanded: List[str] = []
    for name in names:  # JSON:API: a path includes every resource along it
        parts = name.split(".")
        expanded += [".".join(parts[:depth]) for depth in range(1, len(parts) + 1)]
    wanted = list(dict.fromkeys(expanded))
    included = Included()
    built: Set[Tuple[str, Optional[str]]] = set()
    for run in runs:
        for name in wanted:
            if name not in _BUILDERS:
                continue
            key, build = _BUILDERS[name]
            identity = (name, key(run))
            if identity not in built:
                built.add(identity)
                resources = build(view, run)
                included.add_all(resources if isinstance(resources, list) else [resources])
    return included.as_list()
