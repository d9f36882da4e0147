"""``kazind facts``: list the facts of the record, or show one with its source in context.

``kazind facts [--kind K] [--topic T] [--year Y] [--place P] [--lang kk|ru|en] [--format table|csv|json]``
lists facts (Kazakh statements by default, the language of the source text); ``--kind``
keeps quantities, entities (dated events, named things) or claims (the text's judgements);
``kazind facts show ID`` prints one fact in full, the whole sentence of the document
around its quote (the quote marked ``[[...]]``) and its alternatives side by side.
Every user mistake is a :class:`KazindError`, so ``kazind`` prints one line and exits 2.
"""

from __future__ import annotations

import csv
import io
import json
import sys

import typer

from kazind.commands import plain_console
from kazind.common.errors import KazindError
from kazind.common.langs import check_lang
from kazind.record.display import format_value as reader_value
from kazind.record.display import kind_label, source_label, topic_label, when_label
from kazind.record.documents import default_store, sentence_around
from kazind.record.facts import (
    Fact,
    FactTable,
    Range,
    SeedSource,
    default_table,
    format_value,
    format_when,
)
from kazind.record.validate import YEAR_RANGE

FORMATS = ("table", "csv", "json")
#: The table's title and column headings in the reader's language.
TABLE_LABELS = {
    "kk": {
        "title": "Деректер",
        "when": "уақыты",
        "value": "мәні",
        "statement": "тұжырым",
        "source": "дереккөз",
    },
    "ru": {
        "title": "Факты",
        "when": "когда",
        "value": "значение",
        "statement": "утверждение",
        "source": "источник",
    },
    "en": {
        "title": "Facts",
        "when": "when",
        "value": "value",
        "statement": "statement",
        "source": "source",
    },
}
CSV_COLUMNS = [
    "id",
    "kind",
    "topic",
    "branch",
    "quantity",
    "value",
    "value_low",
    "value_high",
    "qualifier",
    "unit",
    "value_text",
    "year",
    "period",
    "date",
    "places",
    "statement",
    "quote",
    "document",
    "citation",
    "confidence",
    "borders",
    "alternatives",
]

facts_app = typer.Typer(
    name="facts",
    help="The facts of the record: from the source text (seed.*) and outside sources (ext.*).",
    invoke_without_command=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def fact_row(fact: Fact, lang: str = "kk") -> dict[str, object]:
    """One fact as plain data for JSON and CSV; ``statement`` in ``lang``."""
    src = fact.source
    value = fact.value.model_dump() if isinstance(fact.value, Range) else fact.value
    return {
        "id": fact.id,
        "kind": fact.kind,
        "topic": fact.topic,
        "branch": fact.branch,
        "quantity": fact.quantity,
        "value": value,
        "value_text": reader_value(fact, lang),
        "qualifier": fact.qualifier,
        "unit": fact.unit,
        "year": fact.year if fact.year is not None else (int(fact.date[:4]) if fact.date else None),
        "period": list(fact.period) if fact.period else None,
        "date": fact.date,
        "places": list(fact.places),
        "statement": getattr(fact.statement, lang),
        "quote": src.quote if isinstance(src, SeedSource) else None,
        "document": src.document if isinstance(src, SeedSource) else src.reference,
        "citation": None if isinstance(src, SeedSource) else src.citation,
        "confidence": None if isinstance(src, SeedSource) else src.confidence,
        "attributed_to": fact.attributed_to,
        "borders": fact.borders,
        "note": getattr(fact.note, lang) if fact.note else None,
        "alternatives": list(fact.alternatives),
        "model_use": fact.model_use,
    }


def _csv_row(row: dict[str, object]) -> dict[str, object]:
    value = row["value"]
    out = {k: row.get(k) for k in CSV_COLUMNS if k in row}
    out["value"] = "" if value is None or isinstance(value, dict) else value
    out["value_low"] = value["low"] if isinstance(value, dict) else ""
    out["value_high"] = value["high"] if isinstance(value, dict) else ""
    out["period"] = "-".join(map(str, row["period"])) if row["period"] else ""
    out["places"] = ";".join(row["places"])
    out["alternatives"] = ";".join(row["alternatives"])
    return {k: "" if v is None else v for k, v in out.items()}


def parse_year(text: str | None) -> int | None:
    """``--year`` as an int within the record's years, or a one-line error."""
    if text is None:
        return None
    low, high = YEAR_RANGE
    try:
        year = int(text)
    except ValueError:
        raise KazindError(f"bad year {text!r}: expected a whole year such as 1926") from None
    if not low <= year <= high:
        raise KazindError(f"bad year {year}: the record covers {low}-{high}")
    return year


def _check_choice(what: str, value: str, valid: tuple[str, ...]) -> None:
    if value not in valid:
        raise KazindError(f"unknown {what} {value!r}; valid: {', '.join(valid)}")


@facts_app.callback()
def list_facts(
    ctx: typer.Context,
    kind: str | None = typer.Option(None, "--kind", help="quantity, entity or claim"),
    topic: str | None = typer.Option(None, "--topic", help="industry, transport, energy, ..."),
    year: str | None = typer.Option(
        None, "--year", help="facts dated in Y or whose period holds Y"
    ),
    place: str | None = typer.Option(
        None, "--place", help="a place id of places.yaml, e.g. karaganda"
    ),
    lang: str = typer.Option("kk", "--lang", help="language of the statements: kk, ru or en"),
    fmt: str = typer.Option("table", "--format", help="table, csv or json"),
) -> None:
    """List the facts of the record (filtered by topic, year and place)."""
    if ctx.invoked_subcommand is not None:
        return
    _check_choice("format", fmt, FORMATS)
    check_lang(lang)
    facts = default_table().filter(topic=topic, year=parse_year(year), place=place, kind=kind)
    rows = [fact_row(f, lang) for f in facts]
    if fmt == "json":
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=1))
    elif fmt == "csv":
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=CSV_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(_csv_row(r) for r in rows)
        typer.echo(buf.getvalue(), nl=False)
    else:
        _print_table(facts, lang, kind, topic, year, place)


def _print_table(facts: list[Fact], lang: str, kind, topic, year, place) -> None:
    """The facts for a reader of ``lang``: ids stay, everything else in the language."""
    from rich.table import Table

    labels = TABLE_LABELS[lang]
    shown = (
        kind_label(kind, lang) if kind else None,
        topic_label(topic, lang) if topic else None,
        year,
        place,
    )
    filters = ", ".join(str(v) for v in shown if v)
    table = Table(title=f"{labels['title']}: {len(facts)}" + (f" ({filters})" if filters else ""))
    table.add_column("id", overflow="fold")
    for name in ("when", "value", "statement", "source"):
        table.add_column(labels[name], overflow="fold")
    for f in facts:
        table.add_row(
            f.id,
            when_label(f, lang),
            reader_value(f, lang),
            getattr(f.statement, lang),
            source_label(f, lang),
        )
    plain_console().print(table)


#: The labels of ``facts show`` for a reader of kk or ru (English keeps the field names).
SHOW_LABELS = {
    "kk": {
        "kind": "түрі",
        "topic": "тақырыбы",
        "value": "мәні",
        "when": "уақыты",
        "places": "жерлер",
        "borders": "шекаралары",
        "statement": "тұжырым",
        "source": "дереккөз",
        "quote": "дәйексөз",
        "context": "мәтіндегі орны",
        "alternatives": "басқа мәндер",
        "note": "ескерту",
    },
    "ru": {
        "kind": "вид",
        "topic": "тема",
        "value": "значение",
        "when": "когда",
        "places": "места",
        "borders": "границы",
        "statement": "утверждение",
        "source": "источник",
        "quote": "цитата",
        "context": "в тексте",
        "alternatives": "другие значения",
        "note": "примечание",
    },
}


@facts_app.command("show")
def show_fact(
    fact_id: str = typer.Argument(..., help="a fact id, e.g. seed.labour.workers_1926"),
    lang: str = typer.Option(
        "en",
        "--lang",
        help="kk or ru: the fact as a reader sees it; en (default): every field, for developers",
    ),
) -> None:
    """Show one fact in full: statements, source sentence in context, alternatives."""
    check_lang(lang)
    table = default_table()
    fact = table.get(fact_id)
    color = sys.stdout.isatty()
    lines = (
        describe_fact(fact, table, color) if lang == "en" else reader_fact(fact, table, lang, color)
    )
    typer.echo("\n".join(lines))


def reader_fact(fact: Fact, table: FactTable, lang: str, color: bool = False) -> list[str]:
    """``facts show --lang kk|ru``: the fact in the reader's language (labels, value and
    unit, date, places under their names of the fact's year, borders, source); the id
    stays, as in the explorer and the URLs."""
    from kazind.record.display import borders_label, citation_label
    from kazind.record.places import load_gazetteer

    labels = SHOW_LABELS[lang]
    year = fact.first_year
    by_id = {p.id: p for p in load_gazetteer().places}
    places = [
        f"{by_id[pid].name_at(year or 1940, lang)} ({pid})" if pid in by_id else pid
        for pid in fact.places
    ]
    lines = [
        fact.id,
        f"{labels['kind']}: {kind_label(fact.kind, lang)}",
        f"{labels['topic']}: {topic_label(fact.topic, lang)}",
    ]
    value = reader_value(fact, lang)
    if value:
        lines.append(f"{labels['value']}: {value}")
    lines.append(f"{labels['when']}: {when_label(fact, lang) or '-'}")
    if places:
        lines.append(f"{labels['places']}: {', '.join(places)}")
    borders = borders_label(fact.borders, lang)
    if borders:
        lines.append(f"{labels['borders']}: {borders}")
    lines.append(f"{labels['statement']}: {getattr(fact.statement, lang)}")
    if fact.note is not None and getattr(fact.note, lang):
        lines.append(f"{labels['note']}: {getattr(fact.note, lang)}")
    lines.append(f"{labels['source']}: {citation_label(fact, lang)}")
    if isinstance(fact.source, SeedSource):
        lines += [
            f"{labels['quote']}: {fact.source.quote}",
            f"{labels['context']}: " + quote_in_context(fact.source, color),
        ]
    if fact.alternatives:
        lines.append(f"{labels['alternatives']}:")
        for alt_id in fact.alternatives:
            alt = table.get(alt_id)
            lines.append(
                f"  {alt.id}: {reader_value(alt, lang)} [{when_label(alt, lang)}] "
                f"{getattr(alt.statement, lang)}"
            )
    return lines


def describe_fact(fact: Fact, table: FactTable, color: bool = False) -> list[str]:
    """The lines of ``facts show``: the fact, its source in context, its alternatives."""
    base = fact.base_value()
    base_text = ""
    if base is not None and fact.unit not in ("percent", "dimensionless", "times"):
        shown = f"{base[0]:~g} - {base[1]:~g}" if isinstance(base, tuple) else f"{base:~g}"
        base_text = f"   (base units: {shown})"
    lines = [
        fact.id,
        f"kind: {fact.kind}"
        + (f"   attributed to: {fact.attributed_to}" if fact.attributed_to else ""),
        f"topic: {fact.topic}" + (f"   branch: {fact.branch}" if fact.branch else ""),
        f"quantity: {fact.quantity or '-'}",
        f"value: {format_value(fact)} ({fact.qualifier}){base_text}",
        f"when: {format_when(fact) or '-'}",
        f"places: {', '.join(fact.places) or '-'}",
        f"statement (kk): {fact.statement.kk}",
        f"statement (ru): {fact.statement.ru}",
        f"statement (en): {fact.statement.en}",
    ]
    src = fact.source
    if isinstance(src, SeedSource):
        lines += [
            f"source: {src.document}",
            f"quote: {src.quote}",
            "context: " + quote_in_context(src, color),
        ]
    else:
        lines += [
            f"source: {src.citation}",
            f"reference: {src.reference}",
            f"confidence: {src.confidence}",
        ]
    if fact.alternatives:
        lines.append("alternatives:")
        for alt_id in fact.alternatives:
            alt = table.get(alt_id)
            lines.append(f"  {alt.id}: {format_value(alt)} [{format_when(alt)}] {alt.statement.en}")
    if fact.model_use:
        lines.append(f"model use: {fact.model_use}")
    return lines


def quote_in_context(src: SeedSource, color: bool = False) -> str:
    """The whole sentence(s) of the document around the quote, the quote in ``[[...]]``."""
    text = default_store().text(src.document)
    start = text.find(src.quote)
    end = start + len(src.quote)
    left, right = sentence_around(text, start, end)
    quote = typer.style(src.quote, bold=True, reverse=True) if color else src.quote
    return (text[left:start] + "[[" + quote + "]]" + text[end:right]).strip()


def register(app: typer.Typer) -> None:
    """Add ``facts`` (and ``facts show``) to the root command line."""
    app.add_typer(facts_app, name="facts")
