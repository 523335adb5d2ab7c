# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tfe.runs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""A configuration version from an archive: created, uploaded without the token, waited for, against a
real local server; its errors never name the upload URL."""

from __future__ import annotations

import json
import random

import pytest

from ansible_collections.tfe.runs.plugins.module_utils._archive import pack
from ansible_collections.tfe.runs.plugins.module_utils._budget import RateLimiter
from ansible_collections.tfe.runs.plugins.module_utils._client import RetryPolicy, TfeClient
from ansible_collections.tfe.runs.plugins.module_utils._configuration import (
    ConfigurationError, configuration_summary, upload_configuration)
from ansible_collections.tfe.runs.plugins.module_utils._errors import TfeHttpError
from ansible_collections.tfe.runs.plugins.module_utils._waiting import Waiter
from ansible_collections.tfe.runs.tests.unit.scripted_server import Reply

TOKEN = "tok-config-Hq8Zr3Lp2Xw"
SECRET_PATH = "/_archivist/v1/object/secret-upload-path-0123456789"


def client_for(server):
    return TfeClient(server.url, TOKEN, retry=RetryPolicy(max_retries=0),
                     limiter=RateLimiter(rate=1000, burst=1000, list_rate=1000, list_burst=1000))


def waiter():
    clock = [0.0]

    def sleep(seconds):
        clock[0] += seconds
    return Waiter(clock=lambda: clock[0], sleep=sleep, rng=random.Random(1))


def version(status, server=None, **extra):
    attributes = dict({"status": status, "speculative": False}, **extra)
    if server is not None:
        attributes["upload-url"] = server.url + SECRET_PATH
    return Reply(status=201 if status == "pending" else 200,
                 body={"data": {"id": "cv-1", "type": "configuration-versions", "attributes": attributes}})


@pytest.fixture
def archive(tmp_path):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "main.tf").write_text('resource "null_resource" "x" {}\n')
    return pack(str(tmp_path / "src"), str(tmp_path / "out.tar.gz"))


def test_created_uploaded_without_the_token_and_waited_for(server, archive):
    server.queue(version("pending", server), Reply(status=200, raw=b""), version("pending"), version("uploaded"))
    found = upload_configuration(client_for(server), "ws-1", archive, speculative=True, deadline=600, waiter=waiter())
    assert found["id"] == "cv-1" and found["attributes"]["status"] == "uploaded"
    create, put = server.requests[0], server.requests[1]
    assert create.path == "/api/v2/workspaces/ws-1/configuration-versions"
    assert json.loads(create.body)["data"]["attributes"] == {"auto-queue-runs": False, "speculative": True}
    assert put.method == "PUT" and put.path == SECRET_PATH
    assert "authorization" not in {name.lower() for name in put.headers}
    assert put.body == open(archive.path, "rb").read()
    assert put.headers.get("Content-Length") == str(archive.size)  # a length, not chunks: S3-style URLs need it
    summary = configuration_summary(archive, found)
    assert summary == {"id": "cv-1", "status": "uploaded", "speculative": False, "files": 1, "size": archive.size,
                       "packed": True}
    assert "secret-upload-path" not in json.dumps(summary)


def test_an_errored_version_names_tfe_s_error(server, archive):
    server.queue(version("pending", server), Reply(status=200, raw=b""),
                 version("errored", **{"error": "unpack_failed", "error-message": "main.tf: bad syntax"}))
    with pytest.raises(ConfigurationError, match="cv-1 errored: main.tf: bad syntax"):
        upload_configuration(client_for(server), "ws-1", archive, speculative=False, deadline=600, waiter=waiter())


def test_a_refused_upload_names_no_url(server, archive):
    server.queue(version("pending", server), Reply(status=403, raw=b"used"))
    with pytest.raises(TfeHttpError) as raised:
        upload_configuration(client_for(server), "ws-1", archive, speculative=False, deadline=600, waiter=waiter())
    assert raised.value.status == 403 and "secret-upload-path" not in str(raised.value.describe())
    assert "<upload url>" in str(raised.value.describe())


def test_a_version_without_upload_url_uploads_nothing(server, archive):
    server.queue(version("pending"))
    with pytest.raises(ConfigurationError, match="without an upload URL"):
        upload_configuration(client_for(server), "ws-1", archive, speculative=False, deadline=600, waiter=waiter())
    assert [r.method for r in server.requests] == ["POST"]


def test_a_version_that_never_settles_ends_at_the_deadline(server, archive):
    server.queue(version("pending", server), Reply(status=200, raw=b""))
    server.default = lambda request: version("pending")
    with pytest.raises(ConfigurationError, match="still pending after the upload"):
        upload_configuration(client_for(server), "ws-1", archive, speculative=False, deadline=30, waiter=waiter())
