"""What the explorer shows of the model: the timeline's panels, the further variables
offered beside them and the variables the lesson's chapters draw.

Data, not layout: :mod:`kazind.explorer.data` keeps these outputs in its runs and the
timeline and story tabs draw them, so the lists live below both.
"""

from __future__ import annotations

from kazind.explorer import charts
from kazind.explorer.lesson import load_lesson

__all__ = ["EXTRA_VARIABLES", "PANELS", "PANEL_SERIES", "PANEL_VARIABLES", "chart_variables"]

#: (key, title, [(variable, element, label)], scale, kind) with kind "", "%", "log". A label
#: equal to its element is the element's name (a branch, a group, a species, a city); any
#: other label is a message id.
PANELS: tuple[tuple[str, str, tuple[tuple[str, str | None, str], ...], float, str], ...] = (
    (
        "output",
        "Output indices (1913 = 100)",
        (
            ("industrial_output_index", None, "industry"),
            ("agricultural_output_index", None, "agriculture"),
        ),
        1.0,
        "",
    ),
    (
        "branches",
        "Output by branch (1913 = 1, log scale)",
        tuple(("branch_output", b, b) for b in charts.BRANCHES),
        1.0,
        "log",
    ),
    (
        "fuel",
        "Coal and oil (million tonnes a year)",
        (
            ("coal_output", None, "coal"),
            ("oil_output", None, "oil"),
        ),
        1.0,
        "",
    ),
    (
        "electricity",
        "Electricity (million kWh a year)",
        (("electricity_output", None, "electricity"),),
        1e-6,
        "",
    ),
    ("railways", "Railway length (km)", (("railway_length", None, "railways"),), 1.0, ""),
    (
        "herds",
        "Herds by species (million head)",
        (
            ("herds_total", None, "all livestock"),
            *(("herds", s, s) for s in charts.SPECIES),
        ),
        1e-6,
        "",
    ),
    (
        "collectivisation",
        "Collectivisation and sedentarisation",
        (
            ("collectivised_share", None, "households in collective farms"),
            ("pastoral_share", None, "Kazakhs living by their herds (nomadic and semi-nomadic)"),
        ),
        1.0,
        "%",
    ),
    (
        "famine",
        "Famine deaths and refugees since 1913 (thousand)",
        (
            ("famine_deaths", None, "died of famine"),
            ("famine_deaths_kazakh", None, "of them Kazakhs"),
            ("famine_refugees", None, "fled the republic from famine"),
            ("refugees_returned", None, "refugees who came back"),
        ),
        1e-3,
        "",
    ),
    (
        "population",
        "Population (thousand)",
        (
            ("population_total", None, "total"),
            ("population_urban", None, "urban"),
            *(("population_by_group", g, g) for g in charts.POP_GROUPS),
        ),
        1e-3,
        "",
    ),
    (
        "migration",
        "Arrivals and departures since 1913 (thousand)",
        (
            ("in_migration", None, "arrived in the republic"),
            ("out_migration", None, "left the republic (refugees not counted)"),
            ("recruitment_total", None, "came by organised recruitment"),
            ("karlag_prisoners", None, "prisoners of Karlag that year"),
        ),
        1e-3,
        "",
    ),
    ("urban", "Urban share of the population", (("urban_share", None, "urban share"),), 1.0, "%"),
    (
        "cities",
        "The largest towns (thousand people)",
        tuple(("city_population", c, c) for c in charts.LARGEST_CITIES),
        1e-3,
        "",
    ),
    (
        "workers",
        "Workers (thousand)",
        (
            ("workers_total", None, "all workers"),
            *(("workers_by_group", g, g) for g in charts.WORKER_GROUPS),
        ),
        1e-3,
        "",
    ),
    (
        "shares",
        "Shares",
        (
            ("kazakh_share_of_workers", None, "Kazakhs among workers"),
            ("kazakh_share_of_population", None, "Kazakhs in the population"),
            ("working_class_share", None, "working class in the population"),
        ),
        1.0,
        "%",
    ),
)

PANEL_VARIABLES = {v for _k, _t, series, _s, _kind in PANELS for v, _e, _l in series}
#: (variable, element) drawn by the main panels (element None: the whole variable).
PANEL_SERIES = {(v, e) for _k, _t, series, _s, _kind in PANELS for v, e, _l in series}

#: The variables of the 'more variables' chart: (scale, kind, unit message id or "").
#: Their names come from the model's catalogue of labels (kazind.model.labels).
EXTRA_VARIABLES: dict[str, tuple[float, str, str]] = {
    "cities_over_50k": (1.0, "", "number"),
    "city_population": (1e-3, "", "thousand"),
    "east_slav_share": (1.0, "%", ""),
    "grain_harvest": (1.0, "", "Mt/year"),
    "kazakh_households_settled": (1e-3, "", "thousand household"),
    "kazakhs_1897_implied": (1e-3, "", "thousand"),
    "sown_area": (1.0, "", "million ha"),
    "urban_arrivals": (1e-3, "", "thousand"),
    "heavy_industry_share": (1.0, "%", ""),
    "industrial_workers": (1e-3, "", "thousand"),
    "industry_share_of_output": (1.0, "%", ""),
    "karaganda_coal_share": (1.0, "%", ""),
    "large_socialist_share": (1.0, "%", ""),
    "ownership_share": (1.0, "%", ""),
    "population_rural": (1e-3, "", "thousand"),
    "rolling_stock_condition": (1.0, "%", ""),
    "share_of_workers_hired_since_1928": (1.0, "%", ""),
    "urban_group_share": (1.0, "%", ""),
    "urban_growth_migration": (1e-3, "", "thousand"),
    "urban_growth_share_migration": (1.0, "%", ""),
    "urban_growth_share_natural": (1.0, "%", ""),
    "urban_growth_share_reclassification": (1.0, "%", ""),
    "urban_share_in_cities_over_100k": (1.0, "%", ""),
    "urban_share_in_cities_over_50k": (1.0, "%", ""),
    "working_share": (1.0, "%", ""),
    "working_share_all": (1.0, "%", ""),
}


def chart_variables() -> set[str]:
    """Every model variable a chapter draws (the explorer keeps them in its runs)."""
    return {s.variable for c in load_lesson("kk").chapters for s in c.chart}
