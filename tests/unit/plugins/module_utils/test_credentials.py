# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tfe.runs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Token lookup by the Terraform CLI's conventions (TF_TOKEN_<host>, credentials.tfrc.json)."""

from __future__ import annotations

import json

import pytest

from ansible_collections.tfe.runs.plugins.module_utils._credentials import (
    comparable_host, env_var_name, find_cli_token, host_from_env_var)


@pytest.mark.parametrize("host, variable", [
    ("app.terraform.io", "TF_TOKEN_app_terraform_io"),
    ("my-tfe.example.com", "TF_TOKEN_my__tfe_example_com"),
    ("TFE.Example.COM:8443", "TF_TOKEN_tfe_example_com"),
    ("café.fr", "TF_TOKEN_xn____caf__dma_fr"),
])
def test_env_var_name_follows_the_terraform_cli(host, variable):
    assert env_var_name(host) == variable


@pytest.mark.parametrize("variable, host", [
    ("TF_TOKEN_app_terraform_io", "app.terraform.io"),
    ("TF_TOKEN_my__tfe_example_com", "my-tfe.example.com"),
    ("TF_TOKEN_xn____caf__dma_fr", "xn--caf-dma.fr"),
    ("TF_TOKEN_xn--caf-dma.fr", "xn--caf-dma.fr"),
    ("TF_TOKEN_TFE_EXAMPLE_COM", "tfe.example.com"),
    ("TF_TOKEN_", None),
    ("OTHER", None),
])
def test_env_var_names_decode_as_the_terraform_cli_decodes_them(variable, host):
    assert host_from_env_var(variable) == host


def test_comparable_host_punycodes_unicode_labels():
    assert comparable_host("Café.FR") == "xn--caf-dma.fr"


def test_environment_wins_over_the_credentials_file(tmp_path):
    credentials = tmp_path / "credentials.tfrc.json"
    credentials.write_text(json.dumps({"credentials": {"tfe.example.com": {"token": "from-file"}}}))
    found = find_cli_token("tfe.example.com", {"TF_TOKEN_tfe_example_com": "from-env"}, str(credentials))
    assert (found.token, found.source) == ("from-env", "TF_TOKEN_tfe_example_com")
    found = find_cli_token("TFE.example.com:443", {}, str(credentials))
    assert (found.token, found.source) == ("from-file", str(credentials))


def test_nothing_found_lists_every_place_searched(tmp_path):
    found = find_cli_token("tfe.example.com", {"TF_TOKEN_other_host": "x"}, str(tmp_path / "missing.json"))
    assert found.token is None
    assert found.searched == ["the environment variable TF_TOKEN_tfe_example_com",
                              "the Terraform CLI credentials file " + str(tmp_path / "missing.json")]


@pytest.mark.parametrize("content", ["not json", "[]", '{"credentials": []}', '{"credentials": {"tfe.example.com": {}}}'])
def test_unusable_credentials_files_are_ignored(tmp_path, content):
    credentials = tmp_path / "credentials.tfrc.json"
    credentials.write_text(content)
    assert find_cli_token("tfe.example.com", {}, str(credentials)).token is None
