# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tfe.runs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Layer 2: a new configuration version from a local directory or ``.tar.gz`` (reference §5.10).

Create the version (``auto-queue-runs: false``: the task queues its own run; speculative for a
plan-only run), upload the archive to the version's upload URL, and wait until TFE has unpacked it
(``uploaded``), or report its error (``errored``). The upload URL is a secret blob URL: the token is
never sent there, and it never appears in a result or a message.
"""

from __future__ import annotations

import os
from typing import Any, Dict

from ._archive import Archive, ArchiveError, pack, ready_archive
from ._client import TfeClient
from ._jsonapi import api_path
from ._waiting import Waiter

DONE_STATUSES = ("uploaded", "errored")


class ConfigurationError(Exception):
    """The configuration version did not become usable; the message says why (never its upload URL)."""


def prepare_archive(path: str, workdir: str) -> Archive:
    """``path`` as an archive to upload: a directory packed into ``workdir``, or a ready ``.tar.gz``."""
    if os.path.isdir(path):
        return pack(path, os.path.join(workdir, "configuration.tar.gz"))
    if os.path.isfile(path):
        return ready_archive(path)
    raise ArchiveError("{0} is neither a directory nor a .tar.gz file".format(path))


def _attributes(document: Any) -> Dict[str, Any]:
    return ((document or {}).get("data") or {}).get("attributes") or {}


def upload_configuration(client: TfeClient, workspace_id: str, archive: Archive, *, speculative: bool,
                         deadline: float, waiter: Waiter) -> Dict[str, Any]:
    """The configuration version, created, uploaded and unpacked: its resource once ``uploaded``."""
    created = client.post(api_path("workspaces", workspace_id, "configuration-versions"), {"data": {
        "type": "configuration-versions",
        "attributes": {"auto-queue-runs": False, "speculative": speculative}}}, repeatable=True, deadline=deadline)
    version = (created or {}).get("data") or {}
    version_id = str(version.get("id") or "")
    upload_url = _attributes(created).get("upload-url")
    if not version_id or not upload_url:
        raise ConfigurationError("TFE created a configuration version without {0}: nothing was uploaded".format(
            "an upload URL" if version_id else "an ID"))
    with open(archive.path, "rb") as stream:
        client.upload_blob(upload_url, stream)
    waited = waiter.wait(lambda: client.get(api_path("configuration-versions", version_id), deadline=deadline),
                         lambda document: _attributes(document).get("status") in DONE_STATUSES, deadline)
    attributes = _attributes(waited.value)
    status = attributes.get("status")
    if status == "errored":
        raise ConfigurationError("Configuration version {0} errored: {1}".format(
            version_id, attributes.get("error-message") or attributes.get("error") or "TFE gave no reason"))
    if status != "uploaded":
        raise ConfigurationError("Configuration version {0} is still {1} after the upload, past the task's "
                                 "wait_timeout".format(version_id, status or "in an unknown state"))
    return (waited.value or {}).get("data") or {}


def configuration_summary(archive: Archive, version: Any = None) -> Dict[str, Any]:
    """What the result says of the upload: the archive's size and files, the version's ID and status."""
    attributes = (version or {}).get("attributes") or {}
    return {"id": (version or {}).get("id"), "status": attributes.get("status"),
            "speculative": attributes.get("speculative"), "files": archive.files, "size": archive.size,
            "packed": archive.packed}
