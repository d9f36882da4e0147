"""kazind.record: the source text, the facts taken from it and from outside sources, and
the places they concern (docs/record.md).

Layers below the model read the record through these names; readers' formatting is
:mod:`kazind.record.display`.
"""

from kazind.record import display
from kazind.record.documents import Document, DocumentStore, default_store, document_text
from kazind.record.facts import FACT_FILES, FactTable, default_table
from kazind.record.places import Gazetteer, Outline, Place, load_gazetteer, load_outline
from kazind.record.railways import Line, RailwayNetwork, load_railways
from kazind.record.schema import (
    BORDERS,
    KINDS,
    TOPICS,
    ExternalSource,
    Fact,
    Range,
    SeedSource,
    Statement,
)

__all__ = [
    "BORDERS",
    "FACT_FILES",
    "KINDS",
    "TOPICS",
    "Document",
    "DocumentStore",
    "ExternalSource",
    "Fact",
    "FactTable",
    "Gazetteer",
    "Line",
    "Outline",
    "Place",
    "RailwayNetwork",
    "Range",
    "SeedSource",
    "Statement",
    "default_store",
    "default_table",
    "display",
    "document_text",
    "load_gazetteer",
    "load_outline",
    "load_railways",
]
