# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tfe.runs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Layer 3 (Ansible glue), through a minimal module fed arguments the way ansible-core feeds them."""

from __future__ import annotations

import json

import pytest

from ansible_collections.tfe.runs.plugins.module_utils import _module
from ansible_collections.tfe.runs.plugins.module_utils._module import TfeModule
from ansible_collections.tfe.runs.plugins.module_utils._outcome import verb
from ansible_collections.tfe.runs.tests.unit.module_runner import run_module
from ansible_collections.tfe.runs.tests.unit.scripted_server import Reply

TOKEN = "tok-glue-Zr8Qp3Lx7Wm2Nv5Kb9Hc4Jd6"
ENVIRONMENT = ("TFE_ADDRESS", "TFE_HOSTNAME", "TFE_TOKEN", "TF_TOKEN_127_0_0_1")


@verb
def read_path(task, client, path):
    """A verb as small as a verb gets: read one API path (if given), return what came back."""
    task.attempt("read " + (path or "nothing"))
    task.result.update(document=client.get(path) if path else None, site=client.site_url,
                       echo="the token is " + client._token)


def probe_main():
    """A module as small as a module gets: one verb, finished the way every module finishes."""
    module = TfeModule(argument_spec={"path": {"type": "str"}}, supports_check_mode=True)
    module.finish(read_path(module.client, module.params["path"]))


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch, tmp_path):
    for name in ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))


def test_options_and_aliases_reach_the_api(server):
    server.queue(Reply(body={"ok": True}))
    result = run_module(probe_main, {"url": server.url, "token": TOKEN, "path": "ping"})
    assert result["document"] == {"ok": True}
    assert server.requests[0].headers["Authorization"] == "Bearer " + TOKEN
    assert TOKEN not in json.dumps(result)


def test_environment_fallbacks_in_order(server, monkeypatch):
    monkeypatch.setenv("TFE_HOSTNAME", "tfe.example.com")
    monkeypatch.setenv("TFE_TOKEN", TOKEN)
    monkeypatch.setenv("TFE_ADDRESS", server.url)
    assert run_module(probe_main, {})["site"] == server.url
    monkeypatch.delenv("TFE_ADDRESS")
    assert run_module(probe_main, {})["site"] == "https://tfe.example.com"
    monkeypatch.delenv("TFE_HOSTNAME")
    assert run_module(probe_main, {})["site"] == "https://app.terraform.io"


def test_cli_token_from_tf_token_host_is_used_and_masked(server, monkeypatch):
    monkeypatch.setenv("TF_TOKEN_127_0_0_1", TOKEN)
    result = run_module(probe_main, {"tfe_address": server.url, "path": "ping"})
    assert server.requests[0].headers["Authorization"] == "Bearer " + TOKEN
    assert result["echo"] == "the token is ********"


def test_cli_token_from_credentials_file(server, tmp_path):
    directory = tmp_path / ".terraform.d"
    directory.mkdir()
    (directory / "credentials.tfrc.json").write_text(json.dumps({"credentials": {"127.0.0.1": {"token": TOKEN}}}))
    result = run_module(probe_main, {"tfe_address": server.url, "path": "ping"})
    assert server.requests[0].headers["Authorization"] == "Bearer " + TOKEN
    assert TOKEN not in json.dumps(result)


def test_missing_token_names_every_place_looked(server):
    result = run_module(probe_main, {"tfe_address": server.url, "path": "ping"})
    assert result["failed"]
    for place in ("tfe_token", "TFE_TOKEN", "TF_TOKEN_127_0_0_1", "credentials.tfrc.json"):
        assert place in result["msg"]
    assert server.requests == []


def test_plain_http_to_a_remote_host_is_refused_before_any_request():
    result = run_module(probe_main, {"tfe_address": "http://tfe.example.com", "tfe_token": TOKEN, "path": "ping"})
    assert result["failed"] and "allow_insecure_http" in result["msg"]


@pytest.mark.parametrize("status, body, expected", [
    (401, {"errors": [{"status": "401", "title": "unauthorized"}]}, "rejected the token"),
    (404, {"errors": [{"status": "404", "title": "not found"}]}, "does not exist and when the token has no access"),
    (422, {"errors": [{"status": 422, "title": "unprocessable entity", "detail": "Configuration version is missing"}]},
     "Configuration version is missing"),
])
def test_api_errors_become_clear_failures(server, status, body, expected):
    server.queue(Reply(status=status, body=body))
    result = run_module(probe_main, {"tfe_address": server.url, "tfe_token": TOKEN, "path": "runs/run-x"})
    assert result["failed"] and result["changed"] is False
    assert expected in result["msg"]
    assert result["msg"].startswith("Failed to read runs/run-x: GET /api/v2/runs/run-x: %d" % status)
    assert result["status_code"] == status and result["api_error"]["path"] == "/api/v2/runs/run-x"
    assert TOKEN not in json.dumps(result)


def test_path_forming_input_is_refused_with_a_message_not_a_traceback(server):
    result = run_module(probe_main, {"tfe_address": server.url, "tfe_token": TOKEN, "path": "https://evil.example/x"})
    assert result["failed"] and "relative" in result["msg"]
    assert server.requests == []


def test_missing_requests_is_reported_with_missing_required_lib(monkeypatch):
    monkeypatch.setattr(_module, "REQUESTS_IMPORT_ERROR", "Traceback: No module named 'requests'")
    result = run_module(probe_main, {"tfe_token": TOKEN, "path": "ping"})
    assert result["failed"] and "requests" in result["msg"] and "Failed to import" in result["msg"]


def test_the_argument_spec_matches_the_doc_fragment():
    from ansible_collections.tfe.runs.plugins.doc_fragments.connection import ModuleDocFragment
    import yaml
    documented = yaml.safe_load(ModuleDocFragment.DOCUMENTATION)["options"]
    assert set(documented) == set(_module.CONNECTION_ARGUMENT_SPEC)
    for name, spec in _module.CONNECTION_ARGUMENT_SPEC.items():
        assert documented[name]["type"] == spec["type"]
        assert documented[name].get("default") == spec.get("default")
        assert sorted(documented[name].get("aliases", [])) == sorted(spec.get("aliases", []))
