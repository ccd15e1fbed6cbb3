"""The funnel plots reproduce PHEindicatormethods' published funnel test data to a relative 1e-6.

Fixtures: tests/fixtures/phe/funnels/ (UKHSA PHEindicatormethods, tests/testthat/testdata_funnel_*.csv at
commit 093fd288d8f8949dbcfbed70049dbbf385b6141d, GPL-3; each file's first line names its source). Each case
is one of the package's own tests (tests/testthat/testFunnels.R), with the same inputs and arguments.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl
import pytest

from registers import (
    DSR_NOT_APPLICABLE,
    SIGNIFICANCE_LABELS,
    dsr,
    funnel_significance,
    phe_funnel_points,
    phe_funnel_significance,
    phe_funnels,
)

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "phe" / "funnels"
REL = 1e-6


def read(name: str) -> pd.DataFrame:
    return pd.read_csv(FIXTURES / f"{name}.csv", comment="#")


def assert_columns_close(got: pd.DataFrame, expected: pd.DataFrame, columns: dict[str, str]) -> None:
    """Every figure of each column within REL of PHE's (0 exactly where PHE has 0); names the worst row."""
    assert len(got) == len(expected)
    for ours, theirs in columns.items():
        a, b = got[ours].to_numpy(float), expected[theirs].to_numpy(float)
        error = np.where(b == 0, np.abs(a), np.abs(a - b) / np.abs(np.where(b == 0, 1, b)))
        worst = int(np.argmax(error))
        assert error[worst] <= REL, f"{ours} row {worst}: {a[worst]} != PHE's {b[worst]}"


# --------------------------------------------------------------------------------------------------
# Limit lines (calculate_funnel_limits)
# --------------------------------------------------------------------------------------------------
PROPORTION_COLUMNS = {
    "Population": "Population",
    "lower_2s_limit": "Lower2s0025limit",
    "upper_2s_limit": "Upper2s0025limit",
    "lower_3s_limit": "Lower3s0001limit",
    "upper_3s_limit": "Upper3s0001limit",
    "baseline": "Baseline",
}


@pytest.mark.parametrize(
    ("expected", "max_denominator"),
    [("prop_outputs", None), ("prop_outputs_with_axis_variation", 31_000)],
    ids=["axis from 0", "axis from the smallest denominator"],
)
def test_proportion_lines_match_phe(expected, max_denominator):
    inputs = read("prop_inputs")
    if max_denominator is not None:
        inputs = inputs[inputs["denominator"] < max_denominator]
    got = phe_funnels(inputs, "numerator", "denominator", statistic="proportion", multiplier=100)
    assert_columns_close(got, read(expected), PROPORTION_COLUMNS)
    assert set(got["statistic"]) == {"proportion"} and set(got["method"]) == {"Wilson"}


@pytest.mark.parametrize("ratio_type", ["count", "isr"])
def test_ratio_lines_match_phe(ratio_type):
    got = phe_funnels(
        read("ratio_inputs"), "obs", "expected", statistic="ratio", multiplier=100, ratio_type=ratio_type
    )
    expected = read("ratio_outputs")
    columns = {c: c for c in got.columns if c == "Observed_events" or c.endswith("_exp_events")}
    columns |= {c: c.replace("limit", ratio_type) for c in got.columns if c.endswith("_limit")}
    assert len(columns) == 9  # the count, then 4 lines x (expected events, limit)
    assert_columns_close(got, expected, columns)
    assert set(got["statistic"]) == {f"ratio ({ratio_type})"} and "baseline" not in got.columns


def _rate_case(case: str) -> tuple[pd.DataFrame, dict]:
    """The inputs and arguments of PHE's three rate-funnel tests."""
    inputs = read("rate_input_funnels")
    if case == "dsr":
        return inputs[["ev", "rate", "pop"]], {"rate_type": "dsr"}
    if case == "crude, fewer than 10 events":
        return inputs.assign(ev=np.where(inputs["ev"] == inputs["ev"].max(), 5, inputs["ev"])), {
            "rate_type": "crude"
        }
    # crude, one unit with 0 events whose denominator is given; only the larger units
    frame = inputs[["ev", "rate"]].assign(pop=1e5 * inputs["ev"] / inputs["rate"])
    top = frame["ev"] == frame["ev"].max()
    frame = frame.assign(rate=np.where(top, 0, frame["rate"]), ev=np.where(top, 0, frame["ev"]))
    frame = frame[frame["pop"] > frame["pop"].max() / 2]
    return frame, {"rate_type": "crude", "denominator": "pop"}


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("dsr", "rate_outputs"),
        ("crude, fewer than 10 events", "rate_outputs_2"),
        ("crude, 0 events and denominators", "rate_outputs_3"),
    ],
)
def test_rate_lines_match_phe(case, expected):
    frame, arguments = _rate_case(case)
    got = phe_funnels(
        frame, "ev", rate="rate", statistic="rate", multiplier=1e5, years_of_data=3, **arguments
    )
    want = read(expected)
    assert list(got.columns) == list(want.columns)
    assert_columns_close(got, want, {c: c for c in want.columns if c not in ("statistic", "method")})
    assert list(got["statistic"]) == list(want["statistic"]) and set(got["method"]) == {"Poisson"}


def test_funnel_lines_on_polars_are_polars():
    got = phe_funnels(
        pl.from_pandas(read("prop_inputs")),
        "numerator",
        "denominator",
        statistic="proportion",
        multiplier=100,
    )
    assert isinstance(got, pl.DataFrame) and got.height == 100


# --------------------------------------------------------------------------------------------------
# Significance (assign_funnel_significance)
# --------------------------------------------------------------------------------------------------
def assert_labels(got: pd.Series, expected: pd.Series) -> None:
    differ = [(i, g, e) for i, (g, e) in enumerate(zip(got, expected, strict=True)) if g != e]
    assert not differ, f"{len(differ)} of {len(expected)} labels differ from PHE's, e.g. {differ[:3]}"


def test_proportion_significance_matches_phe():
    inputs = read("prop_inputs")
    got = funnel_significance(inputs[["Area", "numerator", "denominator"]], "numerator", "denominator")
    assert_labels(got["significance"], inputs["significance"])
    assert set(inputs["significance"]) <= set(SIGNIFICANCE_LABELS)


def test_ratio_significance_matches_phe_against_one_by_default():
    inputs = read("ratio_inputs")
    got = phe_funnel_significance(inputs[["obs", "expected"]], "obs", "expected", statistic="ratio")
    assert_labels(got["significance"], inputs["significance"])
    assert len(set(inputs["significance"])) == 5  # every label is exercised
    # Tested against the pooled O/E instead, 25 of PHE's 300 labels differ (the fault this replaced).
    pooled = inputs["obs"].sum() / inputs["expected"].sum()
    against_pooled = funnel_significance(inputs, "obs", "expected", statistic="ratio", target=pooled)
    assert (against_pooled["significance"] != inputs["significance"]).sum() == 25


RATE_SIGNIFICANCE = [
    # PHE's column of expected labels, the rate column, rate_type, multiplier, rows with 0 events kept
    ("dsr_per_100000_with_0", "rate_dsr", "dsr", 1e5, True),
    ("dsr_per_100000_without_0", "rate_dsr", "dsr", 1e5, False),
    ("dsr_per_100_without_0", "rate_dsr", "dsr", 100, False),
    ("crude_per_100_with_0", "rate_crude_per_100", "crude", 100, True),
    ("crude_per_100000_with_0", "rate_crude_per_100000", "crude", 1e5, True),
    ("crude_per_100000_without_0", "rate_crude_per_100000", "crude", 1e5, False),
    ("crude_per_100_without_0", "rate_crude_per_100", "crude", 100, False),
]


@pytest.mark.parametrize(("expected", "rate", "rate_type", "multiplier", "with_zero"), RATE_SIGNIFICANCE)
def test_rate_significance_matches_phe(expected, rate, rate_type, multiplier, with_zero):
    inputs = read("rate_dsr_inputs")
    if not with_zero:
        inputs = inputs[inputs["count"] != 0]
    got = funnel_significance(
        inputs[["count", rate, "pop"]],
        "count",
        "pop",
        statistic="rate",
        rate=rate,
        rate_type=rate_type,
        multiplier=multiplier,
    )
    assert_labels(got["significance"], inputs[expected])


def test_dsr_with_fewer_than_10_events_is_not_applicable():
    # Two areas on ESP 2013: one with 9 events (no DSR, PHE's "not applicable"), one with 200.
    weights = np.ones(19)
    frame = pd.DataFrame(
        {
            "area": ["few"] * 19 + ["many"] * 19,
            "count": [1] * 9 + [0] * 10 + [10] * 19,
            "pop": [1000.0] * 38,
        }
    )
    areas = dsr(frame, "count", "pop", by="area", standard=weights)
    few = areas[areas["area"] == "few"].iloc[0]
    assert few["total_count"] == 9 and np.isnan(few["value"])
    assert all(np.isnan(few[c]) for c in ("lower95_0cl", "upper95_0cl", "lower99_8cl", "upper99_8cl"))
    assert few["statistic"] == "dsr NA for total count < 10"
    placed = funnel_significance(
        areas, "total_count", "total_pop", statistic="rate", rate="value", rate_type="dsr", multiplier=100_000
    )
    assert list(placed["significance"]) == [DSR_NOT_APPLICABLE, "Not significant"]
    points = phe_funnel_points(
        areas, "total_count", "value", rate_type="dsr", years_of_data=1, multiplier=100_000
    )
    assert np.isnan(points["value_chart"][0]) and np.isnan(points["denominator_derived"][0])
    assert points["denominator_derived"][1] == pytest.approx(19_000)


def test_crude_rate_funnel_labels_a_unit_with_few_events():
    frame = pd.DataFrame({"count": [3, 500, 480], "pop": [100_000.0, 100_000.0, 100_000.0]})
    placed = funnel_significance(frame, "count", "pop", statistic="rate", multiplier=100_000)
    assert placed["significance"][0] == "Low (0.001)" and placed["value"][1] == pytest.approx(500.0)


# --------------------------------------------------------------------------------------------------
# Where units are drawn (calculate_funnel_points)
# --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("case", "chart", "derived"),
    [
        ("dsr, one unit with 5 events", "rate_chart", "denominator_derived"),
        ("crude", "rate_chart_crude", "denominator_derived_crude"),
        (
            "crude, one unit with 0 events",
            "rate_chart_crude_with_denom",
            "denominator_derived_crude_with_denom",
        ),
    ],
)
def test_funnel_points_match_phe(case, chart, derived):
    inputs = read("rate_input_funnels")
    top = inputs["ev"] == inputs["ev"].max()
    if case.startswith("dsr"):
        frame, arguments = (
            inputs.assign(ev=np.where(top, 5, inputs["ev"])),
            {"rate_type": "dsr", "years_of_data": 3},
        )
    elif case == "crude":
        frame, arguments = inputs, {"rate_type": "crude", "years_of_data": 3}
    else:
        frame = inputs.assign(ev=np.where(top, 0, inputs["ev"]))
        arguments = {"rate_type": "crude", "years_of_data": 5, "denominator": "pop"}
    got = phe_funnel_points(frame[["ev", "rate", "pop"]], "ev", "rate", multiplier=1e5, **arguments)
    for ours, theirs in (("rate_chart", chart), ("denominator_derived", derived)):
        a, b = got[ours].to_numpy(float), inputs[theirs].to_numpy(float)
        assert (np.isnan(a) == np.isnan(b)).all(), ours
        np.testing.assert_allclose(a[~np.isnan(b)], b[~np.isnan(b)], rtol=REL)


# --------------------------------------------------------------------------------------------------
# Refusals
# --------------------------------------------------------------------------------------------------
def test_bad_arguments_are_refused_with_the_rule():
    frame = pd.DataFrame({"x": [0, 10, 20], "n": [100.0, 200.0, 300.0], "r": [0.0, 5000.0, 6666.0]})
    with pytest.raises(ValueError, match="statistic must be one of"):
        phe_funnels(frame, "x", "n", statistic="pop", multiplier=100)
    with pytest.raises(ValueError, match="ratio_type"):
        phe_funnels(frame, "x", "n", statistic="ratio", multiplier=100)
    with pytest.raises(ValueError, match="years_of_data"):
        phe_funnels(frame, "x", rate="r", statistic="rate", rate_type="crude", multiplier=1e5)
    with pytest.raises(ValueError, match="rows with 0 events need the denominator"):
        funnel_significance(frame, "x", statistic="rate", rate="r", multiplier=1e5)
    with pytest.raises(ValueError, match="rows with 0 events need a denominator greater than zero"):
        funnel_significance(frame.assign(n=[None, 1.0, 1.0]), "x", "n", statistic="rate", rate="r")
    with pytest.raises(ValueError, match="every row needs its rate"):
        funnel_significance(frame.assign(r=[0.0, None, 1.0]), "x", statistic="rate", rate="r")
    with pytest.raises(ValueError, match="DSR funnel needs the rate column"):
        funnel_significance(frame, "x", "n", statistic="rate", rate_type="dsr")
    with pytest.raises(ValueError, match="every row needs its numerator"):
        funnel_significance(frame.assign(x=[1, None, 2]), "x", "n")
    with pytest.raises(ValueError, match="less than or equal to denominator"):
        funnel_significance(frame.assign(x=[1, 300, 2]), "x", "n")
