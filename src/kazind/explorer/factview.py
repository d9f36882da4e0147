"""One fact of the record as every tab shows it: its value, the model's verdict, the panel.

The timeline's tooltips, the fact panel and the record's table all write a fact's
value, the model's value and the verdict through the functions here, so that one fact
shows one value everywhere (the model's value is the fit report's, computed at the
fact's own date and measure, not read off the yearly path). Shares are written as
percentages.
"""

from __future__ import annotations

from dash import html

from kazind.common.langs import LANGS
from kazind.explorer import data
from kazind.explorer.charts import MISS, OK
from kazind.explorer.components import CSS
from kazind.explorer.i18n import InputError, fmt_date, fmt_percent, fmt_sig, translator

__all__ = ["fact_value", "fit_lines", "verdict", "fact_panel", "PERCENT_MEASURES"]

#: Measures whose values are fractions when the variable is a share.
PERCENT_MEASURES = ("value", "one_minus", "growth")


def fact_value(fact, lang: str) -> str:
    """The fact's value in ``lang`` (number, qualifier and unit), as the record writes it."""
    return data.fact_value_text(fact, lang)


def _measure_text(v: float, row, lang: str) -> str:
    share = data.is_share(row.variable) and row.measure in PERCENT_MEASURES
    if row.measure == "growth":
        return fmt_percent(v, lang)
    if row.measure == "ratio":
        return "×" + fmt_sig(v, lang)
    return fmt_percent(v, lang) if share else fmt_sig(v, lang)


def verdict(row, lang: str) -> str:
    _ = translator(lang)
    if row.role in ("fit", "holdout"):
        return (
            _("reproduced by the model")
            if row.within_tolerance
            else _("not reproduced by the model")
        )
    if row.role == "input":
        return _("not scored (sets a parameter)")
    return _("not scored (restates another target)")


def fit_lines(fact_id: str, lang: str) -> list[tuple[str, str, str | None]]:
    """For each target of the fact: (verdict, 'record X · model Y, date', colour or None)."""
    _ = translator(lang)
    out = []
    for r in data.fit_rows_of(fact_id):
        if isinstance(r.observed, list):
            obs = "–".join(_measure_text(v, r, lang) for v in r.observed)
        else:
            obs = _measure_text(r.observed, r, lang)
        text = (
            f"{_('record')}: {obs} · {_('model')}: {_measure_text(r.simulated, r, lang)}"
            f" ({fmt_date(r.at, lang)})"
        )
        scored = r.role in ("fit", "holdout")
        out.append(
            (verdict(r, lang), text, (OK if r.within_tolerance else MISS) if scored else None)
        )
    return out


def fact_panel(fact_id: str, lang: str) -> list:
    """The fact in full: statement, source sentence in Kazakh, translations, source, fit."""
    from kazind.record.documents import default_store, sentence_around
    from kazind.record.facts import SeedSource, format_when

    _ = translator(lang)
    try:
        fact = data.facts().get(fact_id)
    except Exception:  # noqa: BLE001 - KazindError for an unknown id
        raise InputError("unknown fact {fact}", fact=fact_id) from None
    muted = CSS["muted"]
    borders = data.borders_text(fact, lang)
    out = [
        html.H4(getattr(fact.statement, lang), style={"marginTop": "0"}),
        html.P(
            [
                html.B(_("value") + ": "),
                fact_value(fact, lang),
                "  ",
                html.B(_("when") + ": "),
                data.when_text(fact, lang) or format_when(fact) or "–",
                *([html.Br(), borders] if borders else []),
            ]
        ),
    ]
    src = fact.source
    if isinstance(src, SeedSource):
        store = default_store()
        try:
            text = store.text(src.document)
            start = text.find(src.quote)
            left, right = (
                sentence_around(text, start, start + len(src.quote)) if start >= 0 else (0, 0)
            )
            before, after = text[left:start].strip(), text[start + len(src.quote) : right].strip()
        except Exception:  # noqa: BLE001 - the quote alone will do
            before = after = ""
        out += [
            html.H5(_("Source sentence (Kazakh)")),
            html.Blockquote(
                [before + " ", html.Mark(src.quote, className="kz-quote"), " " + after],
                lang="kk",
                className="kz-source",
            ),
            html.P([_("Source") + ": ", html.I(data.source_text(fact, lang))], style=muted),
        ]
    else:
        citation, rest = data.citation_parts(fact, lang)
        out += [
            html.H5(_("Outside source")),
            html.P([html.Span(citation, lang=data.citation_lang(fact)), rest]),
        ]
    out.append(html.H5(_("Translations")))
    for other in LANGS:
        if other != lang:
            out.append(
                html.P(
                    [html.B(data.LANG_SHORT[other] + ": "), getattr(fact.statement, other)],
                    lang=other,
                )
            )
    out.append(html.H5(_("The model")))
    lines = fit_lines(fact_id, lang)
    if not lines:
        out.append(html.P(_("This fact is not a target of the model."), style=muted))
    for verdict_text, values, colour in lines:
        out.append(
            html.P(
                [
                    html.Span(verdict_text, style={"color": colour or "#444", "fontWeight": "600"}),
                    html.Br(),
                    values,
                ]
            )
        )
    held = [r for r in data.fit_rows_of(fact_id) if r.held_out]
    if held:
        out.append(html.P(_("held out of the calibration"), style=muted))
    return out
