"""Where kazind writes: output paths checked first, one atomic writer, sets of files with a
manifest written last, and nothing left behind by a failure."""

from __future__ import annotations

import json
import os
import stat

import pytest

from kazind.common.atomic import (
    MANIFEST_NAME,
    OutputSet,
    atomic_path,
    atomic_write,
    check_output_dir,
    check_output_file,
    read_manifest,
)
from kazind.common.errors import KazindError


def _special_files(tmp_path):
    """A FIFO, a symlink, a directory and (as root) a device node of our own."""
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    link = tmp_path / "link"
    link.symlink_to(tmp_path / "elsewhere")
    folder = tmp_path / "folder"
    folder.mkdir()
    found = {"a FIFO": fifo, "a symbolic link": link, "a directory": folder}
    if os.geteuid() == 0:
        device = tmp_path / "null-device"
        os.mknod(device, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
        found["a device"] = device
    return found


def test_a_file_target_must_be_absent_or_regular(tmp_path):
    for what, path in _special_files(tmp_path).items():
        before = path.lstat()
        with pytest.raises(KazindError) as err:
            check_output_file(path)
        assert what in str(err.value) and str(path) in str(err.value)
        with pytest.raises(KazindError):  # the writer itself refuses too
            with atomic_write(path) as fh:
                fh.write("x")
        after = path.lstat()
        assert (after.st_mode, after.st_ino) == (before.st_mode, before.st_ino)  # untouched
    assert not list(tmp_path.glob(".*"))  # no temporary file left
    regular = tmp_path / "ok.txt"
    regular.write_text("old")
    with atomic_write(regular) as fh:
        fh.write("new")
    assert regular.read_text() == "new"


@pytest.mark.parametrize("path", ["/proc/kazind-test", "/sys/kazind-test.mdl", "/dev/kazind-test"])
def test_system_folders_are_refused(path):
    with pytest.raises(KazindError, match="never writes under"):
        check_output_file(path)
    with pytest.raises(KazindError, match="never writes under"):
        check_output_dir(path)


def test_a_folder_under_a_file_is_refused(tmp_path):
    (tmp_path / "file").write_text("x")
    for check in (check_output_file, check_output_dir):
        with pytest.raises(KazindError, match="is a regular file, not a folder"):
            check(tmp_path / "file" / "below" / "x.csv")
    with pytest.raises(KazindError, match="not a directory"):
        check_output_dir(tmp_path / "file")


def test_a_failed_write_is_one_line_and_leaves_nothing(tmp_path):
    target = tmp_path / "out.nc"
    with pytest.raises(KazindError, match="No space left"), atomic_path(target) as tmp:
        tmp.write_text("half")
        raise OSError(28, "No space left on device")
    assert list(tmp_path.iterdir()) == []


def test_an_output_set_is_complete_only_with_its_manifest(tmp_path):
    with OutputSet(tmp_path, "first") as files:
        with atomic_write(files.stage("a.csv")) as fh:
            fh.write("1\n")
        files.stage("b.txt").write_text("b")
        assert not (tmp_path / "a.csv").exists()  # nothing in place before the set is done
    manifest = read_manifest(tmp_path)
    assert manifest["complete"] and [f["name"] for f in manifest["files"]] == ["a.csv", "b.txt"]
    assert (tmp_path / "a.csv").read_text() == "1\n"

    # a second set that fails half-way leaves the first one and its manifest as they were
    with pytest.raises(RuntimeError), OutputSet(tmp_path, "second") as files:
        files.stage("a.csv").write_text("2\n")
        raise RuntimeError("interrupted")
    assert (tmp_path / "a.csv").read_text() == "1\n"
    assert read_manifest(tmp_path)["command"] == "first"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.csv", "b.txt", MANIFEST_NAME]


def test_staging_folders_of_dead_processes_are_swept(tmp_path):
    stale = tmp_path / ".kazind-staging-999999999-abc"
    stale.mkdir()
    (stale / "ensemble-x.nc").write_bytes(b"partial")
    with OutputSet(tmp_path) as files:
        files.stage("x.txt").write_text("x")
    assert not stale.exists()
    assert json.loads((tmp_path / MANIFEST_NAME).read_text())["files"][0]["name"] == "x.txt"


def test_the_manifest_and_hidden_names_are_not_set_members(tmp_path):
    with OutputSet(tmp_path) as files:
        for bad in (MANIFEST_NAME, ".hidden", "a/b", ""):
            with pytest.raises(KazindError):
                files.stage(bad)
