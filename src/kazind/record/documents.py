"""The documents the record cites, and the text of those it keeps.

``record/documents/documents.yaml`` lists each document. A ``text`` document is stored
beside it byte for byte; its sha256 is checked whenever it is read, so that a quote
checked against it is checked against exactly the text that was received. A
``reference`` (e.g. ``external-figures``) is only described: external facts cite it.
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from kazind.common.errors import KazindError
from kazind.common.suggest import did_you_mean
from kazind.common.validation import located_error
from kazind.common.yamlio import load_yaml

Lang = Literal["kk", "ru", "en"]  # kazind.common.LANGS, as a type
DOCUMENTS_DIR = Path(__file__).resolve().parent / "documents"
DOCUMENTS_FILE = DOCUMENTS_DIR / "documents.yaml"


class Title(BaseModel):
    """A title in the three languages of the project."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    kk: str = Field(min_length=1)
    ru: str = Field(min_length=1)
    en: str = Field(min_length=1)


class Document(BaseModel):
    """Metadata of one document; ``file`` and ``sha256`` only for ``kind: text``."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str = Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")
    kind: Literal["text", "reference"]
    language: Lang
    title: Title
    origin: str = Field(min_length=1)
    description: str = ""
    file: str | None = None
    sha256: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")

    @model_validator(mode="after")
    def _text_has_file(self) -> Document:
        if self.kind == "text" and not (self.file and self.sha256):
            raise ValueError("a text document needs `file` and `sha256`")
        if self.kind == "reference" and (self.file or self.sha256):
            raise ValueError("a reference is not stored: no `file` or `sha256`")
        return self


class DocumentStore:
    """The documents of one ``documents.yaml``; texts are read and checked lazily."""

    def __init__(self, documents: dict[str, Document], directory: Path) -> None:
        self.documents = documents
        self.directory = directory
        self._texts: dict[str, str] = {}

    @classmethod
    def load(cls, path: str | Path = DOCUMENTS_FILE) -> DocumentStore:
        """Read and check ``documents.yaml`` (schema, unique ids)."""
        doc = load_yaml(path)
        items = (doc.data or {}).get("documents") if isinstance(doc.data, dict) else None
        if not isinstance(items, list):
            raise doc.error("expected a mapping with a `documents:` list")
        documents: dict[str, Document] = {}
        for i, item in enumerate(items):
            where = item.get("id") if isinstance(item, dict) else f"documents[{i}]"
            try:
                document = Document.model_validate(item)
            except ValidationError as exc:
                raise located_error(doc, exc, ("documents", i), where) from None
            if document.id in documents:
                raise doc.error("duplicate document id", ("documents", i), where=document.id)
            documents[document.id] = document
        return cls(documents, Path(path).resolve().parent)

    def get(self, doc_id: str) -> Document:
        """The metadata of ``doc_id``; an unknown id is a :class:`KazindError`."""
        try:
            return self.documents[doc_id]
        except KeyError:
            known = ", ".join(sorted(self.documents))
            hint = did_you_mean(doc_id, self.documents)
            raise KazindError(f"unknown document {doc_id!r} (known: {known}){hint}") from None

    def text(self, doc_id: str) -> str:
        """The text of a stored document, after checking its sha256."""
        if doc_id in self._texts:
            return self._texts[doc_id]
        document = self.get(doc_id)
        if document.kind != "text" or not document.file:
            raise KazindError(f"document {doc_id!r} is a reference; its text is not stored")
        path = self.directory / document.file
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise KazindError(
                f"cannot read document text: {exc}", file=path, where=doc_id
            ) from None
        digest = hashlib.sha256(raw).hexdigest()
        if digest != document.sha256:
            raise KazindError(
                f"sha256 mismatch: file has {digest}, documents.yaml says {document.sha256}",
                file=path,
                where=doc_id,
            )
        self._texts[doc_id] = raw.decode("utf-8")
        return self._texts[doc_id]


@lru_cache(maxsize=1)
def default_store() -> DocumentStore:
    """The project's documents (cached: the files do not change while a process runs)."""
    return DocumentStore.load()


def document_text(doc_id: str) -> str:
    """The checked text of a stored document of the project."""
    return default_store().text(doc_id)


# Abbreviations of the source text whose full stop does not end a sentence.
_ABBREVIATIONS = {"т", "б", "т.б", "ст", "ж", "жж", "млн", "И", "Ф", "С", "Ф.И", "ж.б"}
_STOP = re.compile(r"[.!?](?=\s)|\n")


def sentence_around(text: str, start: int, end: int) -> tuple[int, int]:
    """The span of the whole sentence(s) of ``text`` that hold ``text[start:end]``.

    Sentences end at a full stop followed by a space or at a line break; the stops of the
    text's abbreviations (``т. б.``, ``ст.``, ``млн.``, initials) do not end one.
    """
    ends = [m.end() for m in _STOP.finditer(text) if not _is_abbreviation(text, m.start())]
    left = max([e for e in ends if e <= start], default=0)
    right = min([e for e in ends if e >= end], default=len(text))
    return left, right


def _is_abbreviation(text: str, dot: int) -> bool:
    if text[dot] != ".":
        return False
    word = re.search(r"([\w.]+)$", text[max(0, dot - 6) : dot])
    return bool(word) and word.group(1) in _ABBREVIATIONS
