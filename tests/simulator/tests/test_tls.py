"""HTTPS (contract 1.6; issue 5): a private CA and server certificate made at test time by
``tfesim.tls.make_self_signed``, served in-process or with ``--tls-self-signed DIR``, so
TLS verification and ``ca_path`` can be tested. ``cryptography`` is needed only here."""
from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from conftest import SEED
from tfesim import Simulator

SIMULATOR_DIR = Path(__file__).resolve().parent.parent


def test_https_verified_with_the_generated_ca(tmp_path):
    """make_self_signed writes ca.pem, cert.pem (server + CA) and key.pem (0600); clients trusting ca.pem
    verify both 127.0.0.1 and localhost; the system trust store refuses the certificate."""
    pytest.importorskip("cryptography")
    from tfesim.tls import make_self_signed  # pylint: disable=import-outside-toplevel
    files = make_self_signed(tmp_path / "tls")
    assert {path.name for path in (tmp_path / "tls").iterdir()} == {"ca.pem", "cert.pem", "key.pem"}
    assert stat.S_IMODE(files.key.stat().st_mode) == 0o600
    assert files.cert.read_text().count("BEGIN CERTIFICATE") == 2
    with Simulator(seed=SEED, tls_cert=str(files.cert), tls_key=str(files.key)) as sim:
        assert sim.url.startswith("https://127.0.0.1:")
        assert requests.get(sim.url + "/api/v2/ping", verify=str(files.ca), timeout=10).status_code == 200
        localhost = "https://localhost:%d/api/v2/ping" % sim.port
        assert requests.get(localhost, verify=str(files.ca), timeout=10).status_code == 200
        with pytest.raises(requests.exceptions.SSLError):
            requests.get(sim.url + "/api/v2/ping", verify=True, timeout=10)


def test_command_line_tls_self_signed(tmp_path):
    """--tls-self-signed DIR: serves HTTPS with a certificate generated into DIR and names the CA to trust."""
    pytest.importorskip("cryptography")
    env = dict(os.environ, PYTHONPATH=str(SIMULATOR_DIR))
    command = [sys.executable, "-m", "tfesim", "--empty", "--token", "ci:site_admin",
               "--tls-self-signed", str(tmp_path / "certs")]
    with subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True) as process:
        assert process.stdout is not None
        try:
            url = process.stdout.readline().strip().partition("TFESIM_URL=")[2]
            assert url.startswith("https://127.0.0.1:")
            banner = [process.stdout.readline() for attempt in range(4)]
            ca_file = str(tmp_path / "certs" / "ca.pem")
            assert any(ca_file in line for line in banner)
            assert requests.get(url + "/api/v2/ping", verify=ca_file, timeout=10).status_code == 200
        finally:
            process.terminate()
            assert process.wait(timeout=10) == 0


def test_plain_http_needs_no_cryptography(tmp_path):
    """The simulator (and its command line) import and serve HTTP with cryptography unavailable;
    asking for a certificate then fails with a message naming the package."""
    script = (
        "import sys; sys.modules['cryptography'] = None\n"
        "import tfesim.__main__, urllib.request\n"
        "from tfesim import Simulator\n"
        "from tfesim.tls import make_self_signed\n"
        "with Simulator(seed={}) as sim:\n"
        "    assert urllib.request.urlopen(sim.url + '/api/v2/ping').status == 200\n"
        "try:\n"
        "    make_self_signed(sys.argv[1])\n"
        "except RuntimeError as exc:\n"
        "    print(exc)\n"
    )
    result = subprocess.run([sys.executable, "-c", script, str(tmp_path)], env=dict(os.environ, PYTHONPATH=str(SIMULATOR_DIR)),
                            capture_output=True, text=True, timeout=30, check=True)
    assert "needs the cryptography package" in result.stdout
