"""The hospital figures and names: occupancy heat map and norm, ALOS by profile, the avoidable-admissions
DSR funnel (its limits agree with the significance registers.avoidable gives), and the names people read."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import polars as pl

from dashboards.components import figures
from dashboards.components import format as fmt
from dashboards.data import occupancy_grain, suppressed, with_hospital_names
from registers import funnel_significance
from services.contract.vocabulary import ADMISSION_TYPES, BED_PROFILES

ROOT = Path(__file__).resolve().parents[3]
MON, TUE = dt.date(2025, 1, 6), dt.date(2025, 1, 7)


def _grid() -> pl.DataFrame:
    frame = pl.DataFrame(
        {
            "hospital_id": [1, 1, 1, 1],
            "hospital_name": ["City hospital No. 1"] * 4,
            "bed_profile": ["therapeutic", "therapeutic", "cardiology", "cardiology"],
            "date_day": [MON, TUE, MON, TUE],
            "occupied_bed_days": [9, 8, 3, 12],
            "occupancy_pct": [90.0, 80.0, 30.0, 120.0],
        }
    )
    return with_hospital_names(suppressed(frame, {"occupied_bed_days": ["occupancy_pct"]}, totals=[[]]))


def test_the_occupancy_heat_map_puts_each_value_in_its_ward_and_day_around_the_norm():
    fig = figures.occupancy_heatmap(_grid())
    heat = fig.data[0]
    assert list(heat.y) == ["City hospital No. 1 · Therapeutic", "City hospital No. 1 · Cardiology"]
    assert list(heat.x) == ["6 Jan 2025", "7 Jan 2025"]
    # the census of 3 is suppressed, and so is the next smallest (8) that the total would give it back by
    assert [list(row) for row in heat.z] == [[90.0, None], [None, 120.0]]
    assert heat.zmid == figures.OCCUPANCY_NORM_PCT == 86.0
    assert "by day" in fig.layout.title.text and "2 of 4 values not shown" in fig.layout.title.text


def test_the_heat_map_rows_are_the_bed_profiles_when_the_frame_has_no_hospital():
    grid = _grid().filter(pl.col("bed_profile") == "therapeutic").drop("hospital_id", "hospital_name")
    assert list(figures.occupancy_heatmap(grid).data[0].y) == ["Therapeutic"]


def test_occupancy_against_the_norm_draws_the_86_percent_line_and_percent_ticks():
    occupancy = _grid().filter(pl.col("date_day") == MON).drop("date_day")
    fig = figures.occupancy_against_norm(occupancy)
    assert [shape.x0 for shape in fig.layout.shapes] == [86.0]
    assert fig.layout.xaxis.ticksuffix == "%" and fig.layout.xaxis.title.text == "Bed occupancy (%)"
    assert list(fig.data[0].y) == ["City hospital No. 1 · Cardiology", "City hospital No. 1 · Therapeutic"]


def test_alos_is_drawn_by_profile_one_bar_per_admission_type():
    los = with_hospital_names(
        pl.DataFrame(
            {
                "bed_profile": ["surgical", "surgical", "cardiology"],
                "admission_type": ["planned", "emergency", "emergency"],
                "discharges": [20, 30, 12],
                "alos_days": [5.5, 8.25, 9.0],
                "median_los_days": [5.0, 7.0, 8.0],
            }
        )
    )
    fig = figures.alos_by_profile(los)
    bars = {t.name: dict(zip(t.y, t.x, strict=True)) for t in fig.data}
    assert bars == {
        "Emergency: average": {"Surgical": 8.25, "Cardiology": 9.0},
        "Planned: average": {"Surgical": 5.5, "Cardiology": None},
    }
    assert fig.layout.barmode == "group" and "(days)" in fig.layout.title.text


def _polyclinics() -> pl.DataFrame:
    """Twelve polyclinics of 8,000-20,000 adults at 300 per 100,000, one far above and one far below."""
    population = np.linspace(8_000, 20_000, 12).round()
    admissions = (population * 0.003).round()
    admissions[3], admissions[9] = admissions[3] * 2.5, admissions[9] * 0.2
    frame = pl.DataFrame(
        {
            "facility_id": list(range(1, 13)),
            "facility_name": [f"P{i}" for i in range(1, 13)],
            "admissions": admissions,
            "population": population,
        }
    ).with_columns(dsr=100_000 * pl.col("admissions") / pl.col("population"))
    # a crude rate stands in for the DSR here: PHE's derived denominator is then the population itself
    placed = funnel_significance(
        frame, "admissions", "population", statistic="rate", rate="dsr", rate_type="dsr", multiplier=100_000
    )
    pooled = 100_000 * frame["admissions"].sum() / frame["population"].sum()
    return placed.with_columns(standardised_population=pl.col("population"), pooled_dsr=pl.lit(pooled))


def _line(fig, name: str, side: int, at: float) -> float:
    """The value of a limit line (side 0 lower, 1 upper) at a denominator."""
    trace = [t for t in fig.data if t.mode == "lines" and t.line.dash == name][side]
    return float(np.interp(np.log(at), np.log(trace.x), trace.y))


def test_the_avoidable_funnel_agrees_with_the_significance_of_the_registers():
    frame = _polyclinics()
    fig = figures.avoidable_funnel(frame, title="PQI 90", highlight=4)
    high, low = frame.row(3, named=True), frame.row(9, named=True)
    assert high["significance"] == "High (0.001)" and low["significance"].startswith("Low")
    assert high["dsr"] > _line(fig, "dot", 1, high["standardised_population"])  # above the 99.8% line
    assert low["dsr"] < _line(fig, "dash", 0, low["standardised_population"])  # below the 95% line
    typical = frame.row(0, named=True)
    assert typical["significance"] == "Not significant"
    assert (
        _line(fig, "dash", 0, typical["population"])
        < typical["dsr"]
        < _line(fig, "dash", 1, typical["population"])
    )
    own = [t for t in fig.data if t.name == "This facility"][0]
    assert own.text == ("P4",) and fig.layout.yaxis.title.text == "Age-standardised rate (per 100,000)"
    assert fig.layout.shapes[0].y0 == frame["pooled_dsr"][0]  # the pooled rate the registers compare with


def test_polyclinics_without_a_dsr_are_named_as_not_drawn():
    frame = _polyclinics().with_columns(
        dsr=pl.when(pl.col("facility_id") <= 2).then(None).otherwise(pl.col("dsr"))
    )
    fig = figures.avoidable_funnel(frame, title="PQI 90")
    assert "2 polyclinic(s) with no DSR" in fig.layout.title.text
    assert sum(len(t.x) for t in fig.data if t.mode == "markers") == 10


def test_hospital_vocabularies_are_named_as_the_contract_and_the_seed_list_them():
    assert set(fmt.BED_PROFILE_NAMES) == set(BED_PROFILES)
    assert set(ADMISSION_TYPES) <= set(fmt.ADMISSION_TYPE_NAMES)
    seed = pl.read_csv(
        ROOT / "dbt_project" / "seeds" / "pqi_measures.csv", schema_overrides={"pqi_number": pl.Utf8}
    )
    assert set(fmt.PQI_NAMES) == set(seed["pqi_number"])
    named = with_hospital_names(pl.DataFrame({"bed_profile": ["infectious"], "pqi_number": ["05"]}))
    shown, _ = fmt.table(named)
    assert list(shown.columns) == ["Bed profile", "Prevention Quality Indicator"]
    assert shown.iloc[0].tolist() == ["Infectious diseases", "PQI 05: COPD or asthma in older adults (40+)"]


def test_occupancy_is_drawn_by_day_up_to_six_weeks_then_by_week():
    assert occupancy_grain(dt.date(2025, 1, 1), dt.date(2025, 2, 11)) == "day"  # 42 days
    assert occupancy_grain(dt.date(2025, 1, 1), dt.date(2025, 2, 12)) == "week"


def test_length_of_stay_bands_bound_their_days_and_stack_shortest_first():
    import duckdb

    from dashboards.data import _los_band_sql

    days = [0, 1, 2, 3, 4, 7, 8, 14, 15, 30, 31, 90]
    con = duckdb.connect()
    got = [con.execute(f"select {_los_band_sql('d')} from (select ? as d)", [d]).fetchone()[0] for d in days]
    assert got == [
        "0–1 days", "0–1 days", "2–3 days", "2–3 days", "4–7 days", "4–7 days",
        "8–14 days", "8–14 days", "15–30 days", "15–30 days", "31+ days", "31+ days",
    ]  # fmt: skip
    bands = with_hospital_names(
        pl.DataFrame(
            {
                "bed_profile": ["surgical", "surgical", "surgical"],
                "los_band": ["31+ days", "0–1 days", "8–14 days"],
                "share_of_profile": [0.1, 0.5, 0.4],
            }
        )
    )
    fig = figures.length_of_stay_bands(bands)
    assert [t.name for t in fig.data] == ["0–1 days", "8–14 days", "31+ days"]
    assert [t.x[0] for t in fig.data] == [0.5, 0.4, 0.1] and fig.data[0].y == ("Surgical",)
