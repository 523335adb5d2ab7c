"""Seed files: organizations with their workspaces and knobs, tokens, installation
knobs, bulk historical runs and faults, from a YAML/JSON file or a dict (format in README.md)."""
from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any, Dict, Iterator, Mapping, Union

from .control import Control
from .errors import ApiError

SeedSource = Union[None, str, Path, Mapping[str, Any]]
DEMO_SEED = Path(__file__).resolve().parent.parent / "seed.yml"
_SECTIONS = ("installation", "organizations", "tokens", "runs", "faults")


class SeedError(ValueError):
    """A seed that cannot be loaded or applied; the message names the entry."""


def load_seed(seed: SeedSource) -> Dict[str, Any]:
    """A seed as a dict: the demo seed for None, a YAML (or JSON) file for a path, a dict as is."""
    if isinstance(seed, Mapping):
        return dict(seed)
    path = Path(seed) if seed is not None else DEMO_SEED
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".json":
        loaded = json.loads(text)
    else:
        try:
            import yaml  # pylint: disable=import-outside-toplevel
        except ImportError as exc:
            raise SeedError("reading %s needs PyYAML (or pass a .json seed or a dict)" % path) from exc
        loaded = yaml.safe_load(text)
    if not isinstance(loaded, dict):
        raise SeedError("%s: a seed is a mapping with keys %s" % (path, ", ".join(_SECTIONS)))
    return loaded


def apply_seed(control: Control, seed: Mapping[str, Any]) -> None:
    """Create what the seed describes, in dependency order; raise SeedError naming a bad entry."""
    unknown = set(seed) - set(_SECTIONS)
    if unknown:
        raise SeedError("unknown seed sections: %s" % ", ".join(sorted(unknown)))
    with _entry("installation"):
        control.call("set_installation", seed.get("installation") or {})
    for org in seed.get("organizations") or []:
        org = dict(org)
        workspaces = org.pop("workspaces", None) or []
        with _entry("organization %s" % org.get("name")):
            control.call("add_organization", org)
        for workspace in workspaces:
            knobs = dict(workspace)
            name, ws_id = knobs.pop("name", None), knobs.pop("id", None)
            with _entry("workspace %s/%s" % (org["name"], name)):
                control.add_workspace(org["name"], name, id=ws_id, knobs=knobs)
    for token in seed.get("tokens") or []:
        with _entry("token %s" % dict(token).get("role")):
            control.call("add_token", token)
    for runs in seed.get("runs") or []:
        with _entry("runs for %s" % dict(runs).get("workspace")):
            control.call("create_runs", runs)
    for fault in seed.get("faults") or []:
        with _entry("fault %s" % dict(fault).get("kind")):
            control.call("add_fault", fault)


@contextlib.contextmanager
def _entry(what: str) -> Iterator[None]:
    """Re-raise a failure while applying one seed entry as a SeedError that names it."""
    try:
        yield
    except ApiError as exc:
        raise SeedError("seed %s: %s" % (what, exc)) from exc
