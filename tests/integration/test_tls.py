# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tfe.runs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""HTTPS and the plain-HTTP guard, through ansible-playbook.

The simulator serves HTTPS with a private CA made at test time (``tfesim.tls.make_self_signed``), as
a Terraform Enterprise with an internal CA would: not trusted by default, trusted with ``ca_path``,
accepted unverified with ``validate_certs: false``. Then the token guard: a token is never sent over
plain ``http://`` to a host other than the local machine unless ``allow_insecure_http`` says so.
"""

from __future__ import annotations

import json
from typing import Any, Dict, Iterator, List

import pytest

from conftest import TOKENS, world  # pylint: disable=import-error
from harness import Ansible  # pylint: disable=import-error
from tfesim import Simulator  # pylint: disable=import-error

REFUSAL = "Refusing to send the TFE token in clear text"
MODULES = ("tfe_run", "tfe_run_apply", "tfe_run_cancel", "tfe_admin_run_info", "tfe_admin_run_cancel")
# The smallest valid arguments of each module (no module gets as far as using them when refused).
MINIMAL_ARGS: Dict[str, Dict[str, Any]] = {
    "tfe_run": {"organization": "acme", "workspace": "auto", "message": "never queued"},
    "tfe_run_apply": {"run_id": "run-NeverSent000001"},
    "tfe_run_cancel": {"run_id": "run-NeverSent000002"},
    "tfe_admin_run_info": {},
    "tfe_admin_run_cancel": {"run_id": "run-NeverSent000003"},
}


def task(name: str, module: str, **args: Any) -> Dict[str, Any]:
    return {"name": name, "tfe.runs." + module: args, "ignore_errors": True}


@pytest.fixture
def tls(tmp_path) -> Iterator[Dict[str, Any]]:
    """The simulator over HTTPS with a certificate for 127.0.0.1 and localhost signed by a private CA."""
    pytest.importorskip("cryptography")
    from tfesim.tls import make_self_signed  # pylint: disable=import-outside-toplevel,import-error
    files = make_self_signed(tmp_path / "tls")
    with Simulator(seed=world(), tls_cert=str(files.cert), tls_key=str(files.key)) as simulator:
        yield {"sim": simulator, "ca": str(files.ca)}


@pytest.fixture
def tls_ansible(tls, collections_path: str, tmp_path) -> Ansible:
    assert tls["sim"].url.startswith("https://127.0.0.1:")
    return Ansible(collections_path, str(tmp_path), tls["sim"].url, TOKENS["user"])


def assert_no_traceback(played, result) -> None:
    """A clear failure: one message, no Python traceback anywhere (default verbosity). ansible-core
    2.19 and later add ``exception: (traceback unavailable)`` to every failure; that is no traceback."""
    assert "module_stderr" not in result.result and "Traceback" not in json.dumps(result.result), result.result
    assert result.get("exception", "(traceback unavailable)") == "(traceback unavailable)", result.result
    assert "Traceback" not in played.stdout + played.stderr, played.output


def test_https_private_ca_untrusted_then_ca_path_then_unverified(tls_ansible, tls):
    sim = tls["sim"]
    # (a) Default validate_certs: the handshake fails, so not one HTTP request reaches the API; a
    # TLS failure is never retried (it will not fix itself) and says what to do.
    played = tls_ansible.playbook([task("untrusted", "tfe_run", organization="acme", workspace="nochanges",
                                        message="tls")])
    untrusted = played.task("untrusted")
    assert untrusted.failed, played.output
    assert "TLS verification failed" in untrusted["msg"] and "certificate verify failed" in untrusted["msg"]
    assert "ca_path" in untrusted["msg"] and "validate_certs=false" in untrusted["msg"]
    assert untrusted["api_error"]["attempts"] == 1 and untrusted["status_code"] is None
    assert_no_traceback(played, untrusted)
    assert sim.request_log == [] and sim.runs(workspace="acme/nochanges") == []

    # (b) ca_path trusts the private CA: the run is queued and planned over verified HTTPS.
    # (c) validate_certs: false works too. The collection adds no warning of its own (the option's
    # documentation says "test installation only"); urllib3's InsecureRequestWarning goes to the
    # module's stderr, which Ansible does not show for a module that succeeded.
    played = tls_ansible.playbook([
        task("trusted", "tfe_run", organization="acme", workspace="nochanges", message="ca_path",
             ca_path=tls["ca"]),
        task("unverified", "tfe_run", organization="acme", workspace="nochanges", message="unverified",
             validate_certs=False),
        # The certificate names localhost too: the CA-verified connection by host name reaches the API
        # (its 404 for an unknown run, not a TLS error).
        task("trusted by name", "tfe_run_cancel", run_id="run-DoesNotExist0001", ca_path=tls["ca"],
             tfe_address="https://localhost:{0}".format(sim.port)),
    ])
    for name in ("trusted", "unverified"):
        result = played.task(name)
        assert not result.failed, (name, result.result)
        assert result["run"]["status"] == "planned_and_finished" and result["run"]["web_url"].startswith(sim.url)
        assert not result.get("warnings"), (name, result["warnings"])
    by_name = played.task("trusted by name")
    assert by_name.failed and by_name["status_code"] == 404 and "TLS" not in by_name["msg"], by_name.result
    assert "InsecureRequestWarning" not in played.stdout + played.stderr, played.output
    assert [run["status"] for run in sim.runs(workspace="acme/nochanges")] == ["planned_and_finished"] * 2
    assert {entry["token_role"] for entry in sim.request_log} == {"user"}


def plain_http_tasks(address: str, allowed: bool, modules=MODULES) -> List[Dict[str, Any]]:
    extra: Dict[str, Any] = {"tfe_address": address}
    if allowed:
        # One short try: the address cannot answer, no need for retries or a long timeout.
        extra.update(allow_insecure_http=True, timeout=2, max_retries=0)
    return [task("{0} {1}".format(module, "allowed" if allowed else "refused"), module,
                 **dict(MINIMAL_ARGS[module], **extra)) for module in modules]


def test_plain_http_to_another_host_is_refused_unless_allowed(ansible, sim):
    """``.invalid`` never resolves (RFC 6761): with the option, the module tries and fails to connect."""
    address = "http://tfe.example.invalid"
    played = ansible.playbook(plain_http_tasks(address, False) + plain_http_tasks(address, True, ("tfe_run",)))
    for module in MODULES:
        refused = played.task(module + " refused")
        assert refused.failed and refused["msg"].startswith(REFUSAL), refused.result
        assert "allow_insecure_http=true" in refused["msg"] and address in refused["msg"]
        assert "status_code" not in refused.result and "api_error" not in refused.result  # no request at all
        assert_no_traceback(played, refused)
    tried = played.task("tfe_run allowed")
    assert tried.failed and REFUSAL not in tried["msg"], tried.result
    assert "could not connect" in tried["msg"] and "tfe_address" in tried["msg"], tried["msg"]
    assert tried["api_error"]["attempts"] == 1 and tried["status_code"] is None
    assert_no_traceback(played, tried)
    assert sim.request_log == []


def test_refusal_happens_before_any_connection(ansible, sim):
    """Proof with a witness: ``0.0.0.0`` is not a loopback address to the module (``is_loopback`` in
    plugins/module_utils/_module.py: the name ``localhost`` or an address in 127.0.0.0/8 or ::1), yet
    on Linux a connection to it reaches the local simulator. Refused, the simulator sees nothing;
    allowed, the very same task reaches it. ``localhost`` by name is the local machine: no option needed."""
    port = sim.url.rsplit(":", 1)[1]
    unspecified = "http://0.0.0.0:" + port
    played = ansible.playbook(plain_http_tasks(unspecified, False, ("tfe_run_cancel",)))
    refused = played.task("tfe_run_cancel refused")
    assert refused.failed and refused["msg"].startswith(REFUSAL), refused.result
    assert sim.request_log == []

    played = ansible.playbook([
        task("allowed", "tfe_run_cancel", run_id="run-DoesNotExist0002", tfe_address=unspecified,
             allow_insecure_http=True),
        task("localhost", "tfe_run_cancel", run_id="run-DoesNotExist0003",
             tfe_address="http://localhost:" + port),
    ])
    for name in ("allowed", "localhost"):
        result = played.task(name)
        assert result.failed and result["status_code"] == 404 and REFUSAL not in result["msg"], result.result
    paths = [entry["path"] for entry in sim.request_log]
    assert paths == ["/api/v2/runs/run-DoesNotExist0002", "/api/v2/runs/run-DoesNotExist0003"], paths
    assert all(entry["token_role"] == "user" for entry in sim.request_log)
