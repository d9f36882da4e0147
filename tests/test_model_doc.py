"""``kazind model-doc``: the generic documentation generator, the model's sectors, the command."""

from __future__ import annotations

import os
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest

import kazind.cli as cli
from conftest import run_cli
from kazind.engine import Flow, ModelSpec, Stock, TimeSettings
from kazind.engine.document import describe, overview_diagram, sector_diagram, to_html, to_markdown
from kazind.engine.examples import all_examples
from kazind.model.build import MODEL_FILE, build_spec
from kazind.model.sectors import sector_headers, sector_names, variable_sectors

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def spec():
    return build_spec()


@pytest.fixture(scope="module")
def sectors():
    return variable_sectors()


@pytest.fixture(scope="module")
def page(spec, sectors):
    return to_html(spec, sectors)


class _Page(HTMLParser):
    """Collects ids, local links, the text of each variable row and the inline SVGs."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.links: list[str] = []
        self.rows: dict[str, str] = {}
        self._row: str | None = None
        self._cells: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if tag == "a" and (attrs.get("href") or "").startswith("#"):
            self.links.append(attrs["href"][1:])
        if tag == "tr" and (attrs.get("id") or "").startswith("var-"):
            self._row = attrs["id"][4:]
            self._cells = []
        if tag in ("td", "br") and self._row is not None:
            self._cells.append(" ")

    def handle_endtag(self, tag):
        if tag == "tr" and self._row is not None:
            self.rows[self._row] = "".join(self._cells)
            self._row = None

    def handle_data(self, data):
        if self._row is not None:
            self._cells.append(data)


def _parse(page: str) -> _Page:
    parser = _Page()
    parser.feed(page)
    parser.close()
    return parser


def _svgs(page: str) -> list[ET.Element]:
    return [ET.fromstring(m) for m in re.findall(r"<svg\b.*?</svg>", page, flags=re.S)]


def _data_vars(svg: ET.Element) -> set[str]:
    return {el.get("data-var") for el in svg.iter() if el.get("data-var")}


# ---- sectors of the model ---------------------------------------------------------


def test_every_variable_has_a_sector_from_the_headers(spec, sectors):
    assert set(spec.names()) <= set(sectors)
    headers = [name for _, name in sector_headers(MODEL_FILE)]
    assert set(sectors.values()) <= set(headers)
    assert sector_names()[0] == headers[0]
    # a sector's variables are contiguous in the file: each sector starts after the last
    order = [sectors[n] for n in spec.names()]
    starts = [s for i, s in enumerate(order) if i == 0 or order[i - 1] != s]
    assert len(starts) == len(set(starts))


def test_variable_before_the_first_header_is_an_error(tmp_path):
    model = tmp_path / "m.yaml"
    model.write_text(
        "name: m\ntime: {start: 0, stop: 1}\nvariables:\n"
        "- {name: early, kind: constant, value: 1}\n"
        "# ========== later\n- {name: late, kind: constant, value: 2}\n"
    )
    with pytest.raises(Exception, match="early.*first sector header"):
        variable_sectors(model)


def test_sector_headers_in_a_small_file(tmp_path):
    model = tmp_path / "m.yaml"
    model.write_text(
        "name: m\ntime: {start: 0, stop: 1}\nvariables:\n"
        "# ===== one\n- name: a\n  kind: constant\n  value: 1\n"
        "# ===== two: part\n- {name: b, kind: constant, value: 2}\n"
        "- name: c\n  kind: constant\n  value: 3\n"
    )
    assert variable_sectors(model) == {"a": "one", "b": "two: part", "c": "two: part"}


# ---- the HTML page ------------------------------------------------------------------


def test_html_lists_every_variable_with_unit_and_equation(spec, page):
    parsed = _parse(page)
    assert set(parsed.rows) == set(spec.names())
    for var in spec.variables:
        row = " ".join(parsed.rows[var.name].split())
        assert var.unit in row, var.name
        texts = []
        if var.kind in ("flow", "aux"):
            texts = (
                list(var.equation.values()) if isinstance(var.equation, dict) else [var.equation]
            )
        elif var.kind == "stock" and isinstance(var.initial, str):
            texts = [var.initial] + var.inflows + var.outflows
        for text in texts:
            assert " ".join(text.split()) in row, (var.name, text)
        if var.description:
            assert " ".join(var.description.split())[:60] in row


def test_html_links_resolve(page):
    parsed = _parse(page)
    assert parsed.links
    missing = sorted({link for link in parsed.links if link not in parsed.ids})
    assert missing == []
    assert "var-capacity" in parsed.ids
    # each name in an equation links to its variable
    assert re.search(r'<a href="#var-capacity">capacity</a>', page)


def test_html_is_self_contained(page):
    assert "<script" not in page
    assert not re.search(r'(src|href)="(https?:)?//', page)
    assert "@import" not in page and "url(http" not in page


def test_each_sector_svg_draws_its_stocks_and_flows(spec, sectors, page):
    svgs = _svgs(page)
    doc = describe(spec, sectors)
    assert len(svgs) == len(doc.sectors) + 1  # plus the overview
    overview, diagrams = svgs[0], svgs[1:]
    assert {g.get("data-sector") for g in overview.iter(f"{SVG}g") if g.get("data-sector")} == set(
        doc.sectors
    )
    kinds = {v.name: v.kind for v in spec.variables}
    for (sector, members), svg in zip(doc.sectors.items(), diagrams, strict=True):
        assert svg.tag == f"{SVG}svg"
        drawn = _data_vars(svg)
        for name in members:
            if kinds[name] in ("stock", "flow"):
                assert name in drawn, (sector, name)
        for stock in spec.stocks():  # flows of the sector's stocks appear, wherever they live
            if stock.name in members:
                assert set(stock.inflows + stock.outflows) <= drawn
    all_drawn = set().union(*(_data_vars(s) for s in diagrams))
    assert {f.name for f in spec.flows()} <= all_drawn
    assert {s.name for s in spec.stocks()} <= all_drawn


def test_large_sector_lists_what_it_leaves_out(spec, sectors):
    doc = describe(spec, sectors)
    for sector, members in doc.sectors.items():
        diagram = sector_diagram(doc, sector)
        assert set(diagram.drawn) | set(diagram.not_drawn) == set(members), sector
        ET.fromstring(diagram.svg)


def test_labels_do_not_overlap_in_rows(spec, sectors):
    """Names in one row of a diagram never overlap (their widths are known: monospace)."""
    doc = describe(spec, sectors)
    for sector in doc.sectors:
        svg = ET.fromstring(sector_diagram(doc, sector).svg)
        spans: dict[float, list[tuple[float, float]]] = {}
        for g in svg.iter(f"{SVG}g"):
            if "node" not in (g.get("class") or "") or "stock" in g.get("class"):
                continue
            text = next(g.iter(f"{SVG}text"))
            x0 = float(text.get("x")) - 12
            spans.setdefault(float(text.get("y")), []).append((x0, x0 + 12 + len(text.text) * 6.6))
        for y, row in spans.items():
            row.sort()
            for (_, a1), (b0, _) in zip(row, row[1:], strict=False):
                assert a1 <= b0 + 0.5, (sector, y)


# ---- generic: the engine's examples ----------------------------------------------------


@pytest.mark.parametrize("name", sorted(all_examples()))
def test_generic_on_engine_examples(name):
    spec = all_examples()[name]()
    page = to_html(spec)
    parsed = _parse(page)
    assert set(parsed.rows) == set(spec.names())
    assert not [link for link in parsed.links if link not in parsed.ids]
    svgs = _svgs(page)
    assert len(svgs) == 1  # one sector, no overview
    drawn = _data_vars(svgs[0])
    assert {v.name for v in spec.variables} == drawn
    text, files = to_markdown(spec, stem="ex")
    assert all(n.startswith("ex-") and n.endswith(".svg") for n in files)
    for svg in files.values():
        ET.fromstring(svg)
    for var in spec.variables:
        assert f'id="var-{var.name}"' in text
        assert f"`{var.unit}`" in text


def test_cross_references_and_clouds():
    spec = ModelSpec(
        name="two_tanks",
        time=TimeSettings(start=0, stop=4),
        variables=[
            Stock(name="upper", initial="10", outflows=["drain"]),
            Stock(name="lower", initial="0", inflows=["drain"], outflows=["leak"]),
            Flow(name="drain", equation="upper * 0.5"),
            Flow(name="leak", equation="lower * 0.1"),
        ],
    )
    doc = describe(spec, {"upper": "top", "drain": "top", "lower": "bottom", "leak": "bottom"})
    assert doc.variables["drain"].uses == ["upper"]
    assert doc.variables["upper"].used_by == ["drain"]
    assert set(doc.variables["drain"].used_by) == {"upper", "lower"}
    bottom = ET.fromstring(sector_diagram(doc, "bottom").svg)
    # 'drain' belongs to 'top' but fills 'lower': drawn in 'bottom' too, from a named cloud
    assert {"lower", "leak", "drain"} <= _data_vars(bottom)
    assert any(t.text == "upper" for t in bottom.iter(f"{SVG}text"))
    overview = overview_diagram(doc)
    assert "top -&gt; bottom: 1 links" in overview
    assert doc.counts() == {"variables": 4, "stocks": 2, "flows": 2, "sectors": 2}


# ---- command line ------------------------------------------------------------------


def _run(monkeypatch, capsys, *args: str) -> tuple[int, str, str]:
    """Run ``kazind`` through cli.main with only the model_doc command registered."""
    return run_cli(monkeypatch, capsys, ["model_doc"], *args)


def test_model_doc_is_registered():
    assert "model_doc" in cli.COMMAND_MODULES


def test_cli_writes_html_into_a_new_directory(monkeypatch, capsys, tmp_path, spec):
    out = tmp_path / "new" / "dir" / "doc.html"
    code, stdout, err = _run(monkeypatch, capsys, "model-doc", "--out", str(out))
    assert code == 0, err
    assert out.exists() and out.read_text().startswith("<!DOCTYPE html>")
    assert str(out) in stdout
    assert f"{len(spec.variables)} variables" in stdout
    assert f"{len(spec.stocks())} stocks" in stdout and f"{len(spec.flows())} flows" in stdout
    assert os.listdir(out.parent) == ["doc.html"]  # no temporary file left


def test_cli_markdown_writes_diagrams_beside(monkeypatch, capsys, tmp_path):
    out = tmp_path / "doc.md"
    code, _, err = _run(monkeypatch, capsys, "model-doc", "--out", str(out), "--format", "markdown")
    assert code == 0, err
    text = out.read_text()
    images = re.findall(r"!\[[^\]]*\]\(([^)]+\.svg)\)", text)
    assert images and "doc-sectors.svg" in images
    for name in images:
        ET.parse(tmp_path / name)
    assert not [n for n in os.listdir(tmp_path) if n.endswith(".tmp")]


def test_cli_bad_format_is_one_line(monkeypatch, capsys, tmp_path):
    out = tmp_path / "doc.pdf"
    code, stdout, err = _run(monkeypatch, capsys, "model-doc", "--out", str(out), "--format", "pdf")
    assert code != 0
    assert err.strip().count("\n") == 0
    assert "unknown format 'pdf'" in err and "html, markdown" in err
    assert not out.exists()


def test_cli_unwritable_place_fails_cleanly(monkeypatch, capsys, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    out = blocker / "doc.html"  # parent is a file: cannot be created
    code, _, err = _run(monkeypatch, capsys, "model-doc", "--out", str(out))
    assert code == 2
    assert err.startswith("kazind: error:") and err.strip().count("\n") == 0
    assert sorted(os.listdir(tmp_path)) == ["file"]
    code, _, err = _run(monkeypatch, capsys, "model-doc", "--out", str(tmp_path))
    assert code == 2 and "directory" in err


def test_failed_write_leaves_old_file(monkeypatch, capsys, tmp_path):
    out = tmp_path / "doc.html"
    out.write_text("old page")

    def broken(*_a, **_k):
        raise OSError(28, "No space left on device")

    import kazind.engine.document as document

    real = document.to_html

    def half(spec, sectors=None):
        real(spec, sectors)
        broken()

    monkeypatch.setattr(document, "to_html", half)
    code, _, err = _run(monkeypatch, capsys, "model-doc", "--out", str(out))
    assert code == 2 and "No space left" in err
    assert out.read_text() == "old page"
    assert os.listdir(tmp_path) == ["doc.html"]
