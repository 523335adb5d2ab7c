# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tfe.runs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Layer 2: a directory packed as a configuration version's ``.tar.gz``, as the Terraform CLI packs it.

The rules are go-slug's (reference §5.10), which ``terraform`` uses for a remote run:

- ``.terraformignore`` at the root of the directory, gitignore-like: ``#`` comments, ``!``
  negation, a trailing ``/`` for directories, a leading ``/`` anchors a pattern to the root,
  otherwise it matches at any depth; ``*`` and ``?`` stay within one path segment, ``**`` crosses
  them. A pattern that names a directory covers everything below it, and the last rule that
  matches a path decides, so ``!`` can keep a path below an excluded directory.
- Default rules come first: ``.git/`` and ``.terraform/`` are left out, ``.terraform/modules/`` is kept.
- A symlink is stored as a symlink when its target lies inside the directory, and refused when
  it lies outside ("has external target"): nothing outside the directory ever enters the archive.

Safe permissions: a file keeps only whether it is executable (0755 or 0644); owners are not
recorded. The archive is written to a file as the tree is walked and read back in chunks when
uploaded, so a large tree never sits in memory. Devices, FIFOs and sockets are refused.
"""

from __future__ import annotations

import gzip
import os
import re
import stat
import tarfile
from dataclasses import dataclass
from typing import List, Optional, Pattern, Tuple

IGNORE_FILE = ".terraformignore"
DEFAULT_RULES = (".git/", ".terraform/", "!.terraform/modules/")
GZIP_MAGIC = b"\x1f\x8b"


class ArchiveError(ValueError):
    """The directory (or archive) cannot be uploaded as it is; the message says which path and why."""


@dataclass(frozen=True)
class IgnoreRule:
    text: str
    negated: bool
    directory_only: bool
    regex: Pattern[str]

    def matches(self, path: str, is_dir: bool) -> bool:
        found = self.regex.match(path)
        if found is None:
            return False
        # A directory-only pattern names a directory: the path itself must be one, or lie below one.
        return not self.directory_only or is_dir or bool(found.group("below"))


def _glob_to_regex(pattern: str) -> str:
    out, i = [], 0
    while i < len(pattern):
        char = pattern[i]
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
            if pattern.startswith("/", i):  # "a/**/b" also matches "a/b"
                out[-1] = "(?:.*/)?"
                i += 1
            continue
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "[":
            end = pattern.find("]", i + 1)
            if end == -1:
                out.append(re.escape(char))
            else:
                body = pattern[i + 1:end].replace("\\", "\\\\")
                out.append("[" + ("^" + body[1:] if body.startswith("!") else body) + "]")
                i = end
        elif char == "\\" and i + 1 < len(pattern):
            i += 1
            out.append(re.escape(pattern[i]))
        else:
            out.append(re.escape(char))
        i += 1
    return "".join(out)


def parse_rule(line: str) -> Optional[IgnoreRule]:
    """One line of a ``.terraformignore``; None for a blank line or a comment."""
    text = line.rstrip("\n").rstrip("\r")
    stripped = text.strip()
    if not stripped or stripped.startswith("#"):
        return None
    negated = stripped.startswith("!")
    pattern = stripped[1:] if negated else stripped
    directory_only = pattern.endswith("/")
    pattern = pattern.rstrip("/")
    anchored = pattern.startswith("/")
    pattern = pattern.lstrip("/")
    if not pattern:
        return None
    prefix = "" if anchored else "(?:.*/)?"
    regex = re.compile("^" + prefix + _glob_to_regex(pattern) + "(?P<below>/.*)?$")
    return IgnoreRule(stripped, negated, directory_only, regex)


class IgnoreRules:
    """The default rules, then the directory's ``.terraformignore``; the last matching rule decides."""

    def __init__(self, lines: List[str]) -> None:
        self.rules = [rule for rule in (parse_rule(line) for line in list(DEFAULT_RULES) + lines) if rule]
        self.has_negation = any(rule.negated for rule in self.rules)

    @classmethod
    def of(cls, directory: str) -> "IgnoreRules":
        path = os.path.join(directory, IGNORE_FILE)
        try:
            with open(path, encoding="utf-8", errors="replace") as stream:
                return cls(stream.readlines())
        except FileNotFoundError:
            return cls([])

    def excluded(self, path: str, is_dir: bool = False) -> bool:
        """Whether ``path`` (relative, with ``/``) is left out of the archive."""
        verdict = False
        for rule in self.rules:
            if rule.matches(path, is_dir):
                verdict = not rule.negated
        return verdict


@dataclass
class Archive:
    path: str  # the .tar.gz on disk
    size: int  # bytes
    files: int  # regular files and symlinks in it
    packed: bool  # True when packed from a directory here, False for a ready archive

    def describe(self) -> str:
        return "{0} files, {1} bytes".format(self.files, self.size)


def _inside(root: str, target: str) -> bool:
    return target == root or target.startswith(root.rstrip(os.sep) + os.sep)


def _symlink_target(root: str, link: str, relative: str) -> str:
    """The link's target as stored: relative to the link, and refused when it leaves the directory."""
    target = os.readlink(link)
    resolved = os.path.normpath(os.path.join(os.path.dirname(link), target))
    real = os.path.realpath(resolved) if os.path.lexists(resolved) else resolved
    if not (_inside(root, resolved) and _inside(root, real)):
        raise ArchiveError("{0} is a symlink with external target {1}: only links within the directory can be "
                           "uploaded".format(relative, target))
    return os.path.relpath(resolved, os.path.dirname(link))


def _entry(root: str, path: str, relative: str) -> Tuple[tarfile.TarInfo, bool]:
    """The tar header of one file or symlink, and whether it is a symlink."""
    info = os.lstat(path)
    header = tarfile.TarInfo(relative)
    header.mtime = int(info.st_mtime)
    header.uid = header.gid = 0
    header.uname = header.gname = ""
    if stat.S_ISLNK(info.st_mode):
        header.type = tarfile.SYMTYPE
        header.linkname = _symlink_target(root, path, relative)
        header.mode = 0o777
        return header, True
    if not stat.S_ISREG(info.st_mode):
        raise ArchiveError("{0} is not a file, directory or symlink (a device, FIFO or socket): it cannot be "
                           "uploaded; list it in {1}".format(relative, IGNORE_FILE))
    header.size = info.st_size
    header.mode = 0o755 if info.st_mode & 0o111 else 0o644
    return header, False


def _walk(root: str, rules: IgnoreRules):
    """(path, relative path) of every file and symlink to pack, in a stable order."""
    for current, dirs, files in os.walk(root, followlinks=False):
        relative_dir = os.path.relpath(current, root).replace(os.sep, "/")
        relative_dir = "" if relative_dir == "." else relative_dir + "/"
        kept = []
        for name in sorted(dirs):
            path = os.path.join(current, name)
            if os.path.islink(path):
                files.append(name)  # a link to a directory is stored as a link, never followed
            elif not rules.excluded(relative_dir + name, is_dir=True) or rules.has_negation:
                kept.append(name)  # an excluded directory is walked only when a "!" rule may keep a path in it
        dirs[:] = kept
        for name in sorted(files):
            relative = relative_dir + name
            if not rules.excluded(relative):
                yield os.path.join(current, name), relative


def pack(directory: str, destination: str) -> Archive:
    """Pack ``directory`` into the new file ``destination`` (a ``.tar.gz``) as the Terraform CLI would."""
    root = os.path.realpath(directory)
    if not os.path.isdir(root):
        raise ArchiveError("{0} is not a directory".format(directory))
    rules = IgnoreRules.of(root)
    count = 0
    with tarfile.open(destination, "w:gz", format=tarfile.PAX_FORMAT) as archive:
        for path, relative in _walk(root, rules):
            header, is_link = _entry(root, path, relative)
            if is_link:
                archive.addfile(header)
            else:
                with open(path, "rb") as stream:
                    archive.addfile(header, stream)
            count += 1
    return Archive(destination, os.path.getsize(destination), count, packed=True)


def ready_archive(path: str) -> Archive:
    """A ``.tar.gz`` given as it is: checked to be one, its members counted as a stream."""
    try:
        with open(path, "rb") as stream:
            magic = stream.read(2)
    except OSError as error:
        raise ArchiveError("{0} cannot be read: {1}".format(path, error.strerror or error)) from None
    if magic != GZIP_MAGIC:
        raise ArchiveError("{0} is not a .tar.gz (no gzip header)".format(path))
    count = 0
    try:
        with gzip.open(path, "rb") as unpacked:
            with tarfile.open(fileobj=unpacked, mode="r|") as archive:
                for member in archive:
                    if member.isfile() or member.issym():
                        count += 1
            while unpacked.read(1 << 20):  # to the gzip trailer: a cut archive fails here, not on TFE
                pass
    except (tarfile.TarError, OSError, EOFError) as error:
        raise ArchiveError("{0} is not a readable .tar.gz: {1}".format(path, error)) from None
    return Archive(path, os.path.getsize(path), count, packed=False)


def chunks(archive: Archive, size: int = 1 << 20):
    """The archive's bytes, a chunk at a time, for a streamed upload."""
    with open(archive.path, "rb") as stream:
        while True:
            block = stream.read(size)
            if not block:
                return
            yield block
