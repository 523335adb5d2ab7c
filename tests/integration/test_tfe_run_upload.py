# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tfe.runs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""tfe_run's configuration_path (issue 20, item 1): a local directory uploaded as a configuration
version, as the Terraform CLI packs it, then planned; through ansible-playbook against the simulator."""

from __future__ import annotations

import os
import pathlib
import tarfile

from conftest import TOKENS  # pylint: disable=import-error


def tfe_run(name, **args):
    return {"name": name, "tfe.runs.tfe_run": args, "ignore_errors": True}


# A project as users have them: ignored files, a .terraform/ with modules, a .git/, a link.
PROJECT = {
    "main.tf": ('module "vpc" {\n  source = "./modules/vpc"\n}\n', 0o644),
    "modules/vpc/main.tf": ('resource "null_resource" "vpc" {}\n', 0o644),
    "scripts/check.sh": ("#!/bin/sh\nexit 0\n", 0o755),
    "secret.auto.tfvars": ('token = "do-not-upload"\n', 0o644),
    "notes/todo.txt": ("x\n", 0o644),
    ".terraform/providers/registry.terraform.io/hashicorp/null/provider.bin": ("x\n", 0o755),
    ".terraform/modules/modules.json": ("{}\n", 0o644),
    ".git/HEAD": ("ref: refs/heads/main\n", 0o644),
    ".terraformignore": ("# never upload local secrets\n*.tfvars\nnotes/\n", 0o644),
}


def terraform_directory(root):
    for relative, (text, mode) in PROJECT.items():
        path = pathlib.Path(root, relative)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        path.chmod(mode)
    os.symlink("main.tf", os.path.join(root, "root.tf"))
    return root


def uploads(sim):
    return [e for e in sim.request_log if e["method"] == "PUT"]


def test_a_directory_is_uploaded_as_exactly_its_files_and_planned(ansible, sim, tmp_path):
    directory = terraform_directory(str(tmp_path / "terraform"))
    played = ansible.playbook([
        tfe_run("upload and plan", organization="acme", workspace="empty", configuration_path=directory,
                wait_for="plan", run_message="api-driven 1", reuse="active"),
        tfe_run("again", organization="acme", workspace="empty", configuration_path=directory,
                wait_for="plan", run_message="api-driven 1", reuse="active"),
    ], args=["-vvvv"])
    planned = played.task("upload and plan")
    assert not planned.failed and planned["changed"] is True, planned.result
    assert planned["run"]["status"] == "planned", planned.result
    version = planned["configuration_version"]
    assert version["status"] == "uploaded" and version["speculative"] is False and version["packed"] is True
    files = {entry["path"]: entry for entry in sim.configuration_version_files(version["id"])}
    kept = {path for path, entry in files.items() if entry["type"] != "directory"}
    assert kept == {".terraformignore", "main.tf", "modules/vpc/main.tf", "scripts/check.sh", "root.tf",
                    ".terraform/modules/modules.json"}
    assert version["files"] == len(kept)
    assert files["root.tf"]["type"] == "symlink" and files["root.tf"]["target"] == "main.tf"
    assert files["scripts/check.sh"]["mode"] == "0755" and files["main.tf"]["mode"] == "0644"
    again = played.task("again")
    assert again["changed"] is False and again["reused"] is True and "configuration_version" not in again.result
    assert len(uploads(sim)) == 1  # the second task reused the run: nothing uploaded again
    # The upload URL is a secret and the token never goes to it: neither is in the output, even at -vvvv.
    assert "/_archivist/" not in played.output and TOKENS["user"] not in played.output
    assert all(not e["authorization"] for e in uploads(sim))


def test_check_mode_packs_and_sends_nothing(ansible, sim, tmp_path):
    directory = terraform_directory(str(tmp_path / "terraform"))
    played = ansible.playbook([tfe_run("check", organization="acme", workspace="empty",
                                       configuration_path=directory)], args=["--check"])
    check = played.task("check")
    assert not check.failed and check["changed"] is True and check["would_queue"] is True
    assert check["configuration_version"]["files"] == 6 and check["configuration_version"]["id"] is None
    assert check["configuration_version"]["size"] > 0
    assert [e for e in sim.request_log if e["method"] != "GET"] == []


def test_a_ready_archive_and_a_plan_only_run_use_a_speculative_version(ansible, sim, tmp_path):
    source = terraform_directory(str(tmp_path / "terraform"))
    archive = str(tmp_path / "config.tar.gz")
    with tarfile.open(archive, "w:gz") as packed:
        packed.add(os.path.join(source, "main.tf"), "main.tf")
        packed.add(os.path.join(source, "modules"), "modules")
    played = ansible.playbook([tfe_run("speculative", organization="acme", workspace="empty",
                                       configuration_path=archive, plan_only=True)])
    speculative = played.task("speculative")
    assert not speculative.failed and speculative["run"]["status"] == "planned_and_finished", speculative.result
    assert speculative["configuration_version"]["speculative"] is True
    assert speculative["configuration_version"]["packed"] is False


def test_a_broken_upload_fails_naming_the_error_and_queues_nothing(ansible, sim, tmp_path):
    sim.set_workspace_knobs("acme/empty", upload_error="Unsupported Terraform syntax in main.tf")
    directory = terraform_directory(str(tmp_path / "terraform"))
    played = ansible.playbook([tfe_run("broken", organization="acme", workspace="empty",
                                       configuration_path=directory)])
    broken = played.task("broken")
    assert broken.failed and "errored: Unsupported Terraform syntax in main.tf" in broken["msg"], broken.result
    assert "Nothing was queued" in broken["msg"] and "Traceback" not in played.output
    assert [e for e in sim.request_log if e["method"] == "POST" and e["path"] == "/api/v2/runs"] == []


def test_bad_paths_are_refused_before_any_request(ansible, sim, tmp_path):
    directory = terraform_directory(str(tmp_path / "terraform"))
    (tmp_path / "outside.txt").write_text("not for TFE\n", encoding="utf-8")
    os.symlink(str(tmp_path / "outside.txt"), os.path.join(directory, "leak.tf"))
    played = ansible.playbook([
        tfe_run("link out", organization="acme", workspace="empty", configuration_path=directory),
        tfe_run("missing", organization="acme", workspace="empty", configuration_path=str(tmp_path / "nope")),
        tfe_run("both", organization="acme", workspace="empty", configuration_path=directory,
                configuration_version_id="cv-AAAAAAAAAAAAAAAA"),
    ])
    assert "leak.tf is a symlink with external target" in played.task("link out")["msg"]
    assert "neither a directory nor a .tar.gz" in played.task("missing")["msg"]
    assert "mutually exclusive" in played.task("both")["msg"]
    assert [e for e in sim.request_log if e["method"] != "GET"] == []
