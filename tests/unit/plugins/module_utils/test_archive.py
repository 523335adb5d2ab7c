# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tfe.runs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Packing a directory as the Terraform CLI does (go-slug's rules, reference §5.10): which paths a
.terraformignore keeps, and the archive itself (members, symlinks, permissions, refusals)."""

from __future__ import annotations

import os
import tarfile

import pytest

from ansible_collections.tfe.runs.plugins.module_utils._archive import (
    ArchiveError, IgnoreRules, chunks, pack, ready_archive)


@pytest.mark.parametrize("lines, path, is_dir, excluded", [
    ([], ".git", True, True),
    ([], ".git/config", False, True),
    ([], "modules/app/.git/HEAD", False, True),  # unanchored: any depth
    ([], ".terraform/providers/registry/aws", False, True),
    ([], ".terraform/modules/vpc/main.tf", False, False),  # the default rules keep modules
    ([], "main.tf", False, False),
    (["*.tfvars"], "prod.tfvars", False, True),
    (["*.tfvars"], "env/prod.tfvars", False, True),
    (["*.tfvars", "!keep.tfvars"], "env/keep.tfvars", False, False),
    (["/build"], "build/out.zip", False, True),
    (["/build"], "src/build/out.zip", False, False),  # anchored to the root
    (["logs/"], "logs", True, True),
    (["logs/"], "logs", False, False),  # a file called logs is not the directory logs/
    (["logs/"], "a/logs/today.txt", False, True),
    (["docs/**/*.png"], "docs/a/b/c.png", False, True),
    (["docs/**/*.png"], "docs/c.png", False, True),
    (["docs/**/*.png"], "other/c.png", False, False),
    (["file?.txt"], "file1.txt", False, True),
    (["file?.txt"], "file10.txt", False, False),
    (["*.txt"], "dir/sub/x.txt", False, True),
    (["dir/*"], "dir/x", False, True),
    (["# a comment", "", "   "], "main.tf", False, False),
    (["[ab].tf"], "a.tf", False, True),
    (["[!ab].tf"], "a.tf", False, False),
    (["[!ab].tf"], "c.tf", False, True),
    ([r"\#hash.tf"], "#hash.tf", False, True),
])
def test_ignore_rules_follow_go_slug(lines, path, is_dir, excluded):
    assert IgnoreRules(lines).excluded(path, is_dir) is excluded


def test_the_last_matching_rule_decides():
    rules = IgnoreRules(["secrets/", "!secrets/README.md", "secrets/README.md"])
    assert rules.excluded("secrets/README.md")
    assert not IgnoreRules(["secrets/", "!secrets/README.md"]).excluded("secrets/README.md")


def write(root, relative, text="x", mode=0o644):
    path = os.path.join(root, relative)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as stream:
        stream.write(text)
    os.chmod(path, mode)
    return path


@pytest.fixture
def tree(tmp_path):
    root = tmp_path / "config"
    root.mkdir()
    root = str(root)
    write(root, "main.tf", 'resource "null_resource" "x" {}\n')
    write(root, "variables.tf")
    write(root, "scripts/run.sh", "#!/bin/sh\n", 0o4755)  # setuid: not kept
    write(root, "prod.tfvars", "secret = 1\n")
    write(root, ".terraform/providers/big.bin")
    write(root, ".terraform/modules/vpc/main.tf")
    write(root, ".git/config")
    write(root, "build/out.zip")
    write(root, ".terraformignore", "# local files\n*.tfvars\n/build/\n")
    os.symlink("main.tf", os.path.join(root, "alias.tf"))
    os.symlink("scripts", os.path.join(root, "bin"))
    return root


def members(path):
    with tarfile.open(path, "r:gz") as archive:
        return {member.name: member for member in archive.getmembers()}


def test_a_directory_is_packed_as_the_cli_would(tree, tmp_path):
    archive = pack(tree, str(tmp_path / "out.tar.gz"))
    found = members(archive.path)
    assert sorted(found) == [".terraform/modules/vpc/main.tf", ".terraformignore", "alias.tf", "bin", "main.tf",
                             "scripts/run.sh", "variables.tf"]
    assert archive.files == 7 and archive.size == os.path.getsize(archive.path) and archive.packed
    assert found["alias.tf"].issym() and found["alias.tf"].linkname == "main.tf"
    assert found["bin"].issym() and found["bin"].linkname == "scripts"
    assert found["scripts/run.sh"].mode == 0o755 and found["main.tf"].mode == 0o644
    assert {(m.uid, m.gid, m.uname, m.gname) for m in found.values()} == {(0, 0, "", "")}
    with tarfile.open(archive.path, "r:gz") as opened:
        assert opened.extractfile("main.tf").read() == b'resource "null_resource" "x" {}\n'


def test_a_link_outside_the_directory_is_refused(tree, tmp_path):
    outside = write(str(tmp_path), "elsewhere/secret.txt")
    os.symlink(outside, os.path.join(tree, "leak.txt"))
    with pytest.raises(ArchiveError, match="leak.txt is a symlink with external target"):
        pack(tree, str(tmp_path / "out.tar.gz"))


def test_a_relative_link_climbing_out_is_refused_too(tree, tmp_path):
    write(str(tmp_path), "up.txt")
    os.symlink("../../up.txt", os.path.join(tree, "scripts", "up"))
    with pytest.raises(ArchiveError, match="scripts/up is a symlink with external target ../../up.txt"):
        pack(tree, str(tmp_path / "out.tar.gz"))


def test_a_link_inside_pointing_out_through_another_link_is_refused(tree, tmp_path):
    os.symlink(str(tmp_path), os.path.join(tree, "parent"))  # itself external: refused first
    with pytest.raises(ArchiveError, match="external target"):
        pack(tree, str(tmp_path / "out.tar.gz"))


def test_an_ignored_external_link_is_no_problem(tree, tmp_path):
    os.symlink("/etc/hostname", os.path.join(tree, "local.tfvars"))  # *.tfvars: never read
    assert "local.tfvars" not in members(pack(tree, str(tmp_path / "out.tar.gz")).path)


def test_a_fifo_is_refused_naming_it(tree, tmp_path):
    os.mkfifo(os.path.join(tree, "pipe"))
    with pytest.raises(ArchiveError, match="pipe is not a file, directory or symlink"):
        pack(tree, str(tmp_path / "out.tar.gz"))


def test_not_a_directory(tmp_path):
    with pytest.raises(ArchiveError, match="is not a directory"):
        pack(str(tmp_path / "missing"), str(tmp_path / "out.tar.gz"))


def test_a_ready_archive_is_counted_and_a_wrong_file_refused(tree, tmp_path):
    packed = pack(tree, str(tmp_path / "out.tar.gz"))
    ready = ready_archive(packed.path)
    assert (ready.files, ready.size, ready.packed) == (7, packed.size, False)
    assert b"".join(chunks(ready, size=100)) == open(packed.path, "rb").read()
    plain = write(str(tmp_path), "main.tf")
    with pytest.raises(ArchiveError, match="not a .tar.gz"):
        ready_archive(plain)
    truncated = str(tmp_path / "cut.tar.gz")
    with open(packed.path, "rb") as source, open(truncated, "wb") as target:
        target.write(source.read()[:packed.size // 2])
    with pytest.raises(ArchiveError, match="not a readable .tar.gz"):
        ready_archive(truncated)
    with pytest.raises(ArchiveError, match="cannot be read"):
        ready_archive(str(tmp_path / "absent.tar.gz"))
