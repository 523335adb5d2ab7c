"""Contract sections 5.10 and 5.1: configuration versions: creation (201, upload-url), the single-use
token-free upload, pending -> uploaded / errored, the uploaded file list on the control plane,
auto-queued runs, speculative and provisional versions, and POST /runs refusing a version that
is not uploaded."""
from __future__ import annotations

import io
import tarfile
from typing import Dict, Optional, Tuple

import pytest
import requests
from conftest import Api, error_of
from tfesim import ApiError

WS = "ws-Manual0000000001"
CREATE = "/api/v2/workspaces/%s/configuration-versions" % WS


def tarball(files: Dict[str, Tuple[str, bytes]], links: Optional[Dict[str, str]] = None) -> bytes:
    """A .tar.gz of ``{path: (mode, content)}`` plus ``{path: symlink target}``."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for path, (mode, content) in files.items():
            info = tarfile.TarInfo(path)
            info.size, info.mode = len(content), int(mode, 8)
            archive.addfile(info, io.BytesIO(content))
        for path, target in (links or {}).items():
            info = tarfile.TarInfo(path)
            info.type, info.linkname, info.mode = tarfile.SYMTYPE, target, 0o777
            archive.addfile(info)
    return buffer.getvalue()


GOOD = tarball({"main.tf": ("0644", b'resource "null_resource" "x" {}\n'), "scripts/run.sh": ("0755", b"#!/bin/sh\n")},
               {"current.tf": "main.tf"})


def create(api, **attributes):
    """POST a configuration version and return its resource (asserting the 201)."""
    body = {"data": {"type": "configuration-versions", "attributes": attributes}}
    response = api.post(CREATE, body)
    assert response.status_code == 201, response.text
    return response.json()["data"]


def put(url, body=GOOD, token=None):
    """The upload, as go-tfe sends it: PUT, application/octet-stream, no token (unless ``token``)."""
    headers = {"Content-Type": "application/octet-stream"}
    if token:
        headers["Authorization"] = "Bearer " + token
    return requests.put(url, data=body, headers=headers, timeout=10)


def cv(api, cv_id):
    """GET a configuration version's attributes."""
    response = api.get("/api/v2/configuration-versions/" + cv_id)
    assert response.status_code == 200, response.text
    return response.json()["data"]["attributes"]


def test_5_10_create_defaults_and_upload_url(sim, api):
    """Contract 5.10: 201, pending, source tfe-api, auto-queue-runs true by default, an upload-url on the
    simulator's blob host; a body without attributes takes the defaults."""
    version = create(api)
    attributes = version["attributes"]
    assert version["type"] == "configuration-versions" and version["id"].startswith("cv-")
    assert (attributes["status"], attributes["source"], attributes["auto-queue-runs"], attributes["speculative"],
            attributes["provisional"], attributes["error"], attributes["error-message"]) == (
                "pending", "tfe-api", True, False, False, None, None)
    assert attributes["upload-url"].startswith(sim.url + "/_archivist/v1/object/")
    assert "pending-at" in attributes["status-timestamps"]
    assert api.post(CREATE).status_code == 201  # no body at all: the defaults


def test_5_10_upload_without_token_then_uploaded_and_file_list(sim, api):
    """Contract 5.10: the PUT needs no token (200); the version is uploaded; the control plane lists the
    archive's paths, modes, sizes and symlink targets, in-process and over HTTP."""
    version = create(api, **{"auto-queue-runs": False})
    sim.clear_request_log()
    response = put(version["attributes"]["upload-url"])
    assert response.status_code == 200
    assert sim.request_log[-1]["authorization"] is False
    attributes = cv(api, version["id"])
    assert attributes["status"] == "uploaded" and attributes["upload-url"] is None
    assert "uploaded-at" in attributes["status-timestamps"]
    files = {entry["path"]: entry for entry in sim.configuration_version_files(version["id"])}
    assert set(files) == {"main.tf", "scripts/run.sh", "current.tf"}
    assert (files["main.tf"]["type"], files["main.tf"]["mode"], files["main.tf"]["size"]) == ("file", "0644", 32)
    assert files["scripts/run.sh"]["mode"] == "0755"
    assert (files["current.tf"]["type"], files["current.tf"]["target"]) == ("symlink", "main.tf")
    over_http = requests.get(sim.url + "/_sim/configuration-versions/%s/files" % version["id"], timeout=10).json()
    assert over_http["files"] == sim.configuration_version_files(version["id"])
    assert sim.runs(workspace=WS) == []  # auto-queue-runs false: no run


def test_5_10_chunked_upload(sim, api):
    """A client that streams the archive (Transfer-Encoding: chunked, no Content-Length) uploads too."""
    version = create(api, **{"auto-queue-runs": False})
    pieces = (GOOD[index:index + 100] for index in range(0, len(GOOD), 100))
    response = requests.put(version["attributes"]["upload-url"], data=pieces, timeout=10)
    assert response.status_code == 200 and response.request.headers.get("Transfer-Encoding") == "chunked"
    assert cv(api, version["id"])["status"] == "uploaded"
    assert len(sim.configuration_version_files(version["id"])) == 3


def test_5_10_upload_url_is_single_use_and_ignores_tokens(sim, api):
    """Contract 5.10: a second PUT to a used upload URL fails (403); an unknown one is 404; a token is ignored."""
    url = create(api, **{"auto-queue-runs": False})["attributes"]["upload-url"]
    assert put(url, token="wrong-token-0123456789").status_code == 200
    second = put(url)
    assert second.status_code == 403 and error_of(second)["title"] == "forbidden"
    assert put(sim.url + "/_archivist/v1/object/never-handed-out").status_code == 404


@pytest.mark.parametrize("archive, fragment", [
    (b"this is not gzip", "not a gzip-compressed tar"),
    (b"", "not a gzip-compressed tar"),
    (tarball({"../outside.tf": ("0644", b"")}), "illegal path"),
    (tarball({"main.tf": ("0644", b"")}, {"escape": "../../etc/passwd"}), "has external target"),
    (tarball({"main.tf": ("0644", b"")}, {"abs": "/etc/passwd"}), "has external target"),
])
def test_5_10_invalid_archive_errors_the_version(sim, api, archive, fragment):
    """Contract 5.10: an archive a slug unpacker refuses leaves the version errored with an error-message,
    and queues no run."""
    version = create(api)
    assert put(version["attributes"]["upload-url"], archive).status_code == 200
    attributes = cv(api, version["id"])
    assert attributes["status"] == "errored" and fragment in attributes["error-message"]
    assert "errored-at" in attributes["status-timestamps"]
    assert sim.runs(workspace=WS) == []


def test_5_10_upload_error_knob(sim, api):
    """The upload_error knob errors a version whose archive was fine (its files are still listed)."""
    sim.set_workspace_knobs(WS, upload_error="Slug is too large")
    version = create(api)
    put(version["attributes"]["upload-url"])
    attributes = cv(api, version["id"])
    assert (attributes["status"], attributes["error-message"]) == ("errored", "Slug is too large")
    assert len(sim.configuration_version_files(version["id"])) == 3


def test_5_10_upload_delay_on_the_simulator_clock(sim, api):
    """The upload_seconds knob keeps a version pending for that long after the PUT; meanwhile POST /runs
    on it is 422; once uploaded its auto-queued run appears, created when the upload finished."""
    sim.set_workspace_knobs(WS, upload_seconds=5)
    version = create(api)
    put(version["attributes"]["upload-url"])
    attributes = cv(api, version["id"])
    assert attributes["status"] == "pending" and attributes["upload-url"] is None
    refused = api.post("/api/v2/runs", {"data": {"type": "runs", "relationships": {
        "workspace": {"data": {"type": "workspaces", "id": WS}},
        "configuration-version": {"data": {"type": "configuration-versions", "id": version["id"]}}}}})
    assert refused.status_code == 422 and "not uploaded" in error_of(refused)["detail"]
    assert sim.runs(workspace=WS) == []
    sim.advance_clock(5)
    assert cv(api, version["id"])["status"] == "uploaded"
    runs = sim.runs(workspace=WS)
    assert len(runs) == 1
    run = api.run(runs[0]["id"])
    assert run["attributes"]["source"] == "tfe-configuration-version"
    assert run["relationships"]["configuration-version"]["data"]["id"] == version["id"]
    uploaded_at = cv(api, version["id"])["status-timestamps"]["uploaded-at"]
    assert run["attributes"]["status-timestamps"]["plan-queueable-at"] == uploaded_at  # queued when it finished


def test_5_10_auto_queue_runs_queues_a_run_that_moves_on(sim, api):
    """Contract 5.10: with auto-queue-runs the upload queues a run (source tfe-configuration-version,
    created by the token's user) that then moves along its path like any other."""
    version = create(api)
    put(version["attributes"]["upload-url"])
    runs = sim.runs(workspace=WS)
    assert len(runs) == 1 and runs[0]["status"] == "pending"
    sim.advance_clock(60)
    run = api.run(runs[0]["id"])
    assert run["attributes"]["status"] == "planned"
    assert run["relationships"]["created-by"]["data"] is not None
    assert api.get("/api/v2/workspaces/" + WS).json()["data"]["relationships"][
        "current-configuration-version"]["data"]["id"] == version["id"]


def test_5_10_runs_use_the_new_version_and_refuse_pending_ones(sim, api):
    """Contract 5.1/5.10: a new plain version is the workspace's latest at once, so POST /runs without a
    configuration version uses it, and is refused (422) until it is uploaded."""
    version = create(api, **{"auto-queue-runs": False})
    refused = api.create_run(WS)
    assert refused.status_code == 422 and "not uploaded" in error_of(refused)["detail"]
    put(version["attributes"]["upload-url"])
    run_id = api.new_run(WS)
    assert api.run(run_id)["relationships"]["configuration-version"]["data"]["id"] == version["id"]


def test_5_10_speculative_version(sim, api):
    """Contract 5.1/5.10: a speculative version's auto-queued run is plan-only; a run on it defaults to
    plan-only and plan-only false is refused (422); it never becomes the workspace's latest."""
    before = sim.workspace(WS)["configuration_version"]
    version = create(api, speculative=True)
    put(version["attributes"]["upload-url"])
    queued = sim.runs(workspace=WS)[0]
    assert queued["operation"] == "plan_only"
    relationship = {"configuration-version": {"data": {"type": "configuration-versions", "id": version["id"]}},
                    "workspace": {"data": {"type": "workspaces", "id": WS}}}
    made = api.post("/api/v2/runs", {"data": {"type": "runs", "relationships": relationship}})
    assert made.status_code == 201 and made.json()["data"]["attributes"]["plan-only"] is True
    refused = api.post("/api/v2/runs", {"data": {"type": "runs", "attributes": {"plan-only": False},
                                                 "relationships": relationship}})
    assert refused.status_code == 422 and error_of(refused)["source"]["pointer"] == "/data/attributes/plan-only"
    assert sim.workspace(WS)["configuration_version"] == before


def test_5_10_provisional_version_becomes_latest_once_used(sim, api):
    """Contract 5.10: a provisional version is not the workspace's latest until a run uses it."""
    before = sim.workspace(WS)["configuration_version"]
    version = create(api, provisional=True, **{"auto-queue-runs": False})
    put(version["attributes"]["upload-url"])
    assert sim.workspace(WS)["configuration_version"] == before
    api.post("/api/v2/runs", {"data": {"type": "runs", "relationships": {
        "workspace": {"data": {"type": "workspaces", "id": WS}},
        "configuration-version": {"data": {"type": "configuration-versions", "id": version["id"]}}}}})
    assert sim.workspace(WS)["configuration_version"] == version["id"]


def test_5_10_access_and_validation(sim, api):
    """Contract 1.4/5.10: organization tokens cannot create versions (404); another organization's
    workspace or version is 404; non-boolean attributes are 422."""
    assert Api(sim, "org").post(CREATE, {}).status_code == 404
    assert Api(sim, "user").post("/api/v2/workspaces/ws-GlobexSecret0001/configuration-versions", {}).status_code == 404
    other = api.post("/api/v2/workspaces/ws-GlobexSecret0001/configuration-versions", {}).json()["data"]["id"]
    assert Api(sim, "user").get("/api/v2/configuration-versions/" + other).status_code == 404
    bad = api.post(CREATE, {"data": {"type": "configuration-versions", "attributes": {"speculative": "yes"}}})
    assert bad.status_code == 422 and error_of(bad)["source"]["pointer"] == "/data/attributes/speculative"
    wrong_type = api.post(CREATE, {"data": {"type": "runs"}})
    assert wrong_type.status_code == 422
    assert api.get("/api/v2/configuration-versions/cv-DoesNotExist00001").status_code == 404


def test_5_10_workspace_list_and_control_listing(sim, api):
    """The workspace's versions, newest first; the control plane summarises them."""
    first = create(api, **{"auto-queue-runs": False})["id"]
    second = create(api, **{"auto-queue-runs": False})["id"]
    listed = [item["id"] for item in api.get(CREATE).json()["data"]]
    assert listed[:2] == [second, first]
    summaries = {item["id"]: item for item in sim.configuration_versions(WS)}
    assert summaries[first]["status"] == "pending" and summaries[first]["files"] is None
    with pytest.raises(ApiError, match="no uploaded archive"):
        sim.configuration_version_files(first)


def test_5_10_seeded_versions_stay_uploaded(sim, api):
    """The version every seeded workspace starts with is uploaded: runs on it work as before."""
    cv_id = sim.workspace(WS)["configuration_version"]
    assert cv(api, cv_id)["status"] == "uploaded"
    run_id = api.new_run(WS)
    included = api.get("/api/v2/runs/%s" % run_id, params={"include": "configuration_version"}).json()["included"]
    assert included[0]["attributes"]["status"] == "uploaded"
