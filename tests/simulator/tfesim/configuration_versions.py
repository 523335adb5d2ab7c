"""Configuration versions (contract 5.1, 5.10): creating one, its single-use upload, unpacking the
archive into the file list tests assert on, and which version (if any) a new run may use.

A version created through the API is ``pending`` until its upload URL receives a ``.tar.gz``.
After the workspace's ``upload_seconds`` (default 0: at once) it becomes ``uploaded``, or
``errored`` with an ``error-message`` when the archive is not a gzip-compressed tar, holds a
path outside the tree or a symlink pointing out of it, or the workspace's ``upload_error``
knob is set. An uploaded version with ``auto-queue-runs`` queues a run (source
``tfe-configuration-version``; plan-only when the version is speculative).
"""
from __future__ import annotations

import hashlib
import io
import posixpath
import tarfile
import zlib
from typing import Any, Dict, List, Mapping, Optional, Tuple

from . import lifecycle
from .errors import not_found, unprocessable
from .ids import new_id
from .model import ConfigurationVersion, Principal, Workspace, World

CV_BOOLEANS = ("auto-queue-runs", "speculative", "provisional")
CV_DEFAULTS = {"auto-queue-runs": True, "speculative": False, "provisional": False}
_ENTRY_TYPES = ((tarfile.REGTYPE, "file"), (tarfile.AREGTYPE, "file"), (tarfile.DIRTYPE, "directory"),
                (tarfile.SYMTYPE, "symlink"), (tarfile.LNKTYPE, "hardlink"))


def parse_options(body: Any) -> Dict[str, bool]:
    """The attributes of a POST .../configuration-versions body (an empty body means the defaults)."""
    data = body.get("data") if isinstance(body, Mapping) else None
    if body not in ({}, None) and not isinstance(data, Mapping):
        raise unprocessable("the body must be a JSON:API document with a data object", "/data")
    data = data or {}
    if data.get("type") not in (None, "configuration-versions"):
        raise unprocessable('data.type must be "configuration-versions"', "/data/type")
    attributes = data.get("attributes") or {}
    if not isinstance(attributes, Mapping):
        raise unprocessable("data.attributes must be an object", "/data/attributes")
    options = dict(CV_DEFAULTS)
    for name in CV_BOOLEANS:
        if name in attributes:
            if not isinstance(attributes[name], bool):
                raise unprocessable("%s must be a boolean" % name, "/data/attributes/" + name)
            options[name] = attributes[name]
    return options


def create(world: World, workspace: Workspace, principal: Principal, options: Mapping[str, bool],
           now: float) -> ConfigurationVersion:
    """A new ``pending`` version with an upload URL. A plain one is the workspace's latest at once
    ("used when it is created", contract 5.1); a speculative or provisional one only once a run uses it."""
    version = world.add_configuration_version(
        workspace, created_at=now, current=not (options["speculative"] or options["provisional"]),
        status="pending", auto_queue_runs=options["auto-queue-runs"], speculative=options["speculative"],
        provisional=options["provisional"], created_by=principal.user_id)
    version.upload_secret = world.blob_host.offer_upload(version.id)
    return version


def receive(world: World, version: ConfigurationVersion, archive: bytes, now: float) -> None:
    """The one PUT of the upload URL arrived: unpack now, finish after the workspace's upload delay."""
    files, problem = inspect_archive(archive)
    version.files = files
    knobs = version.workspace.knobs
    problem = problem or knobs.upload_error
    delay = float(knobs.upload_seconds)
    if delay <= 0:
        _finish(world, version, problem, now)
    else:
        version.workspace.timers.append((now + delay, lambda at: _finish(world, version, problem, at)))


def _finish(world: World, version: ConfigurationVersion, problem: Optional[str], at: float) -> None:
    if problem is not None:
        version.status, version.error, version.error_message = "errored", "unpack_failed", problem
        version.timestamps["errored"] = at
        return
    version.status = "uploaded"
    version.timestamps["uploaded"] = at
    if version.auto_queue_runs:
        workspace = version.workspace
        requested = {"source": "tfe-configuration-version", "plan-only": True} if version.speculative else {
            "source": "tfe-configuration-version"}
        attributes = lifecycle.run_attributes(workspace.knobs, requested)
        lifecycle.create_run(world, workspace, attributes, at, version.created_by, version.id)
        mark_used(workspace, version)


def inspect_archive(archive: bytes) -> Tuple[Optional[List[Dict[str, Any]]], Optional[str]]:
    """The archive's entries (path, type, mode, size, symlink target, SHA-256) in archive order, or
    the reason a Terraform slug unpacker would refuse it."""
    try:
        with tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as tar:
            members = tar.getmembers()
            entries = [_entry(tar, member) for member in members]
    except (tarfile.TarError, OSError, EOFError, zlib.error) as exc:
        return None, "Failed to unpack the configuration archive: not a gzip-compressed tar archive (%s)" % exc
    for entry in entries:
        problem = _unsafe(entry)
        if problem:
            return entries, "Failed to unpack the configuration archive: " + problem
    return entries, None


def _entry(tar: tarfile.TarFile, member: tarfile.TarInfo) -> Dict[str, Any]:
    kind = next((name for code, name in _ENTRY_TYPES if member.type == code), "other")
    entry: Dict[str, Any] = {"path": _clean(member.name), "type": kind, "mode": "%04o" % (member.mode & 0o7777),
                             "size": member.size if kind == "file" else 0, "target": None, "sha256": None}
    if kind in ("symlink", "hardlink"):
        entry["target"] = member.linkname
    if kind == "file":
        handle = tar.extractfile(member)
        entry["sha256"] = hashlib.sha256(handle.read() if handle else b"").hexdigest()
    return entry


def _clean(name: str) -> str:
    """``./main.tf`` and ``modules/`` as ``main.tf`` and ``modules`` (how packers differ, not what they pack)."""
    while name.startswith("./"):
        name = name[2:]
    return name.rstrip("/") or "."


def _escapes(path: str) -> bool:
    return path.startswith("/") or posixpath.normpath(path).split("/")[0] == ".."


def _unsafe(entry: Mapping[str, Any]) -> Optional[str]:
    if _escapes(entry["path"]):
        return "illegal path %r outside the configuration directory" % entry["path"]
    if entry["type"] == "symlink":
        target = posixpath.join(posixpath.dirname(entry["path"]), entry["target"])
        if entry["target"].startswith("/") or _escapes(target):
            return "symlink %r has external target %r" % (entry["path"], entry["target"])
    return None


def visible_version(world: World, principal: Principal, cv_id: str) -> ConfigurationVersion:
    """The version, or 404 when it does not exist or its organization is out of the caller's reach."""
    version = world.configuration_versions.get(cv_id)
    if version is None or not principal.can_see(version.workspace.organization):
        raise not_found("configuration version %s not found" % cv_id)
    return version


def resolve_for_run(world: World, principal: Principal, workspace: Workspace, cv_id: Optional[str],
                    requested: Mapping[str, Any], attributes: Dict[str, Any]) -> str:
    """The version a new run uses (the one asked for, else the workspace's latest), refusing one
    that is not ``uploaded`` (422). A speculative version makes the run plan-only unless the
    request said ``plan-only: false``, which is refused (422)."""
    if cv_id is None:
        if workspace.configuration_version_id is None:
            raise unprocessable("Configuration version is missing")
        cv_id = workspace.configuration_version_id
    version = visible_version(world, principal, cv_id)
    if version.status != "uploaded":
        raise unprocessable("Configuration version %s is not uploaded (status: %s)" % (cv_id, version.status),
                            "/data/relationships/configuration-version")
    if version.speculative:
        if requested.get("plan-only") is False:
            raise unprocessable("a speculative configuration version can only be used by plan-only runs",
                                "/data/attributes/plan-only")
        attributes["plan-only"] = True
    return cv_id


def mark_used(workspace: Workspace, version: ConfigurationVersion) -> None:
    """A run in the version's own workspace uses it: a non-speculative one becomes the latest."""
    if version.workspace is workspace and not version.speculative:
        workspace.configuration_version_id = version.id


def add_commit(world: World, workspace: Workspace, at: float, sha: Optional[str], message: Optional[str],
               sender: Optional[str]) -> ConfigurationVersion:
    """An uploaded version carrying VCS commit information (history runs with a commit)."""
    version = world.add_configuration_version(workspace, created_at=at, current=False, auto_queue_runs=True)
    version.ingress_id = new_id("ia")
    version.ingress = {
        "commit-sha": sha, "commit-message": message, "sender-username": sender, "branch": "main",
        "identifier": "%s/%s" % (workspace.organization, workspace.name), "is-pull-request": False,
        "on-default-branch": True, "tag": None,
        "commit-url": "https://vcs.example/%s/%s/commit/%s" % (workspace.organization, workspace.name, sha or ""),
    }
    return version
