"""The one YAML loader: hostile files are one located error, fast; numbers are YAML 1.2's."""

from __future__ import annotations

import math
import os
import time

import pytest

from kazind.common.errors import KazindError
from kazind.common.yamlio import MAX_BYTES, MAX_DEPTH, MAX_NODES, load_yaml, parse_yaml


def _bomb(levels: int = 9) -> str:
    lines = ["a0: &a0 [" + ", ".join(["lol"] * 9) + "]"]
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def _refused(text: str) -> KazindError:
    started = time.perf_counter()
    with pytest.raises(KazindError) as err:
        parse_yaml(text, file="x.yaml")
    assert time.perf_counter() - started < 5
    assert "\n" not in str(err.value) and str(err.value).startswith("x.yaml")
    return err.value


def test_an_alias_bomb_is_refused_at_the_line_that_overflows():
    err = _refused(_bomb())
    assert "aliases" in err.message and f"{MAX_NODES:,}" in err.message
    assert err.line is not None and err.line <= 9


def test_aliases_within_the_cap_still_work():
    doc = parse_yaml("a: &x {k: [1, 2]}\nb: *x\nc: *x\n")
    assert doc.data == {"a": {"k": [1, 2]}, "b": {"k": [1, 2]}, "c": {"k": [1, 2]}}


@pytest.mark.parametrize("text", ["parameters: &p {x: *p}\n", "a: &q [1, [2, *q]]\n"])
def test_a_recursive_alias_is_refused(text):
    err = _refused(text)
    assert "inside the value it names" in err.message


@pytest.mark.parametrize(
    "text",
    [
        "x: " + "[" * 5000 + "]" * 5000,
        "x: " + "{a: " * 5000 + "1" + "}" * 5000,
        "".join("  " * i + f"k{i}:\n" for i in range(1500)) + "  " * 1500 + "v",
        # aliases that nest the document deeper than the cap
        "a0: &a0 " + "[" * 60 + "]" * 60 + "\na1: &a1 " + "[" * 50 + "*a0" + "]" * 50 + "\n",
    ],
)
def test_deep_nesting_is_refused(text):
    err = _refused(text)
    assert f"more than {MAX_DEPTH} levels" in err.message


def test_nesting_at_the_cap_is_read():
    depth = MAX_DEPTH - 1
    assert parse_yaml("x: " + "[" * depth + "]" * depth).data is not None


def test_yaml_1_2_scalars():
    data = parse_yaml(
        "a: 1e3\nb: 012\nc: yes\nd: 2020-01-01\ne: .inf\ng: 0x1F\nh: 0o17\nj: ~\nk: true\n"
        "l: -1.5E-2\nm: off\nn: 1:30\n"
    ).data
    assert data["a"] == 1000.0 and isinstance(data["a"], float)
    assert data["b"] == 12 and data["g"] == 31 and data["h"] == 15
    assert data["c"] == "yes" and data["m"] == "off" and data["n"] == "1:30"
    assert data["d"] == "2020-01-01"
    assert data["e"] == math.inf and data["j"] is None and data["k"] is True
    assert data["l"] == -0.015


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("x: 1" + "0" * 400, "too large"),
        ("x: -1" + "0" * 5000, "too large"),
        ("x: !!python/object/apply:os.system [ls]", "not allowed"),
        ("x: !!binary aGk=", "not allowed"),
        ("x: !!set {a, b}", "not allowed"),
        ("x: [1, 2", "malformed YAML"),
        ("x: *nowhere", "undefined alias"),
        ("x: \x00", "U+0000"),
        ("a: 1\na: 2", "duplicate key"),
    ],
)
def test_bad_documents_are_one_located_line(text, words):
    err = _refused(text)
    assert words in err.message
    assert err.line is not None


def test_a_fifo_a_device_and_a_directory_are_refused_without_reading(tmp_path):
    fifo = tmp_path / "f.yaml"
    os.mkfifo(fifo)
    for path, words in (
        (fifo, "not a regular file"),
        (tmp_path, "directory"),
        ("/dev/zero", "not a regular file"),
    ):
        started = time.perf_counter()
        with pytest.raises(KazindError) as err:
            load_yaml(path)
        assert time.perf_counter() - started < 2
        assert words in str(err.value) and str(path) in str(err.value)


def test_a_file_over_the_size_cap_is_refused_unread(tmp_path):
    big = tmp_path / "big.yaml"
    with big.open("wb") as fh:
        fh.truncate(MAX_BYTES + 1)
    with pytest.raises(KazindError, match="MiB"):
        load_yaml(big)


def test_a_missing_file_and_bad_utf8(tmp_path):
    with pytest.raises(KazindError, match="not found"):
        load_yaml(tmp_path / "nope.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_bytes(b"a: 1\nb: \xff\n")
    with pytest.raises(KazindError) as err:
        load_yaml(bad)
    assert err.value.line == 2 and "UTF-8" in err.value.message


def test_lines_are_kept():
    doc = parse_yaml("a:\n  b: 1\n  c: [x, y]\n")
    assert doc.line_of(("a", "b")) == 2 and doc.line_of(("a", "c", 1)) == 3
