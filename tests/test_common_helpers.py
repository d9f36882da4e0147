"""The shared helpers of kazind.common: located schema errors, "did you mean", languages."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from pydantic import BaseModel, ConfigDict, ValidationError

from kazind.common import LANGS, KazindError, check_lang, did_you_mean, located_error, suggest
from kazind.common.yamlio import parse_yaml

RECORD = Path(__file__).resolve().parents[1] / "src" / "kazind" / "record"


class _Item(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    size: int


class _Other(BaseModel):
    model_config = ConfigDict(extra="forbid")
    label: str


class _Holder(BaseModel):
    model_config = ConfigDict(extra="forbid")
    thing: _Item | _Other


def test_located_error_names_file_line_record_and_field():
    doc = parse_yaml("items:\n  - name: a\n    size: big\n", file="items.yaml")
    with pytest.raises(ValidationError) as info:
        _Item.model_validate(doc.data["items"][0])
    err = located_error(doc, info.value, ("items", 0), where="a")
    assert str(err).startswith("items.yaml:3: a: size: Input should be a valid integer")


def test_located_error_reports_an_unknown_key_first():
    doc = parse_yaml("- nmae: a\n  size: 1\n", file="x.yaml")
    with pytest.raises(ValidationError) as info:
        _Item.model_validate(doc.data[0])
    assert str(located_error(doc, info.value, (0,))) == "x.yaml:1: nmae: unknown field"


def test_located_error_picks_the_union_branch_the_record_nearly_matched():
    doc = parse_yaml("thing: {name: a}\n", file="u.yaml")
    with pytest.raises(ValidationError) as info:
        _Holder.model_validate(doc.data)
    assert located_error(doc, info.value).message == "thing.size: Field required"


def test_did_you_mean_and_suggest():
    assert did_you_mean("karagandy", ["karaganda", "almaty"]) == "; did you mean karaganda?"
    assert did_you_mean("zzz", ["karaganda"]) == ""
    assert suggest("workers", ["seed.labour.workers_1926", "seed.x.y"], cutoff=0.9) == [
        "seed.labour.workers_1926"
    ]


def test_languages():
    assert LANGS == ("kk", "ru", "en")
    assert check_lang("ru") == "ru"
    with pytest.raises(KazindError, match="unknown language 'de'; valid: kk, ru, en"):
        check_lang("de")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
        elif isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
    return out


def test_no_record_module_imports_one_that_imports_it_back():
    modules = {p.stem: _imports(p) for p in RECORD.glob("*.py")}
    for name, imports in modules.items():
        for other in imports:
            if other.startswith("kazind.record.") and name != "__init__":
                back = modules.get(other.removeprefix("kazind.record."), set())
                assert f"kazind.record.{name}" not in back, (name, other)
    assert "kazind.record.facts" not in modules["validate"]


def test_by_file_reads_again_only_when_the_file_changes(tmp_path):
    import os

    from kazind.common.filecache import by_file

    calls = []

    @by_file
    def size(path):
        calls.append(path)
        return len(Path(path).read_text())

    f = tmp_path / "a.txt"
    f.write_text("abc")
    assert size(f) == 3 and size(str(f)) == 3
    assert len(calls) == 1
    f.write_text("abcdef")
    st = f.stat()
    os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))  # a new modification time
    assert size(f) == 6 and len(calls) == 2
    f.unlink()
    with pytest.raises(FileNotFoundError):
        size(f)
