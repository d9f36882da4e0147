"""The stored documents: byte-exact seed text, sha256 check, references, sentence context."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from kazind.common.errors import KazindError
from kazind.record.documents import (
    DOCUMENTS_DIR,
    DOCUMENTS_FILE,
    DocumentStore,
    document_text,
    sentence_around,
)

SEED_ID = "seed-kk-industrialization"
ORIGINAL = Path("/work/shared/seed/000_ebc95995180c8c59.txt")


@pytest.fixture(scope="module")
def store() -> DocumentStore:
    return DocumentStore.load()


def test_seed_is_byte_for_byte_the_original(store):
    if not ORIGINAL.exists():
        pytest.skip(f"{ORIGINAL} is not on this machine")
    stored = (DOCUMENTS_DIR / store.get(SEED_ID).file).read_bytes()
    assert stored == ORIGINAL.read_bytes()
    assert store.get(SEED_ID).origin == ORIGINAL.name


def test_seed_metadata(store):
    doc = store.get(SEED_ID)
    assert doc.kind == "text" and doc.language == "kk"
    assert doc.title.kk and doc.title.ru and doc.title.en
    raw = (DOCUMENTS_DIR / doc.file).read_bytes()
    assert hashlib.sha256(raw).hexdigest() == doc.sha256
    assert document_text(SEED_ID).startswith("1. Қазақстандағы индустрияландыру")


def test_external_figures_is_a_reference_without_text(store):
    ref = store.get("external-figures")
    assert ref.kind == "reference" and ref.file is None
    with pytest.raises(KazindError, match="reference"):
        store.text("external-figures")
    # Its sentences are not copied into the repository.
    assert not list(DOCUMENTS_DIR.glob("external*"))


def test_unknown_document_lists_known(store):
    with pytest.raises(
        KazindError, match="known: external-figures, literature, seed-kk-industrialization"
    ):
        store.get("seed")


def test_tampered_text_fails_sha256(tmp_path):
    copy = tmp_path / "documents"
    shutil.copytree(DOCUMENTS_DIR, copy)
    text_file = copy / "seed-kk-industrialization.txt"
    text_file.write_bytes(text_file.read_bytes().replace(b"559", b"509"))
    store = DocumentStore.load(copy / DOCUMENTS_FILE.name)
    with pytest.raises(KazindError, match="sha256 mismatch") as info:
        store.text(SEED_ID)
    assert info.value.where == SEED_ID and info.value.file.endswith("seed-kk-industrialization.txt")


def test_broken_metadata_names_file_and_line(tmp_path):
    bad = tmp_path / "documents.yaml"
    bad.write_text(
        "documents:\n  - id: x\n    kind: text\n    language: kk\n"
        "    title: {kk: a, ru: b, en: c}\n    origin: x.txt\n",
        encoding="utf-8",
    )
    with pytest.raises(KazindError, match="needs `file` and `sha256`") as info:
        DocumentStore.load(bad)
    assert info.value.file == str(bad) and info.value.line == 2 and info.value.where == "x"


def test_sentence_around_gives_the_whole_sentence():
    text = document_text(SEED_ID)
    quote = "ол 1931-1940 жылдары 559 мың адамға жетті"
    start = text.index(quote)
    left, right = sentence_around(text, start, start + len(quote))
    sentence = text[left:right].strip()
    assert sentence.startswith("Республиканың индустриялық салалары үшін")
    assert sentence.endswith("есепке алу мен реттеуге көнбеді.")


def test_sentence_around_skips_abbreviations():
    text = "Бірінші сөйлем. Ф.И. Голощекин және т. б. келді. Үшінші."
    start = text.index("Голощекин")
    left, right = sentence_around(text, start, start + 9)
    assert text[left:right].strip() == "Ф.И. Голощекин және т. б. келді."
