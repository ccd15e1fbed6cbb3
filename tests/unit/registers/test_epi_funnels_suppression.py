"""Funnel-plot control limits and small-number suppression."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import norm

from registers import exact_poisson, funnel_limits, funnel_significance, suppress_small, wilson


def phe_sigma_adjustment(p, population, average, side):
    """PHEindicatormethods' sigma_adjustment (R/Funnels.R), transcribed to check our closed form."""
    z2 = norm.ppf(p) ** 2
    first = average * (population / z2 + 1)
    adj = np.sqrt(
        (-8 * average * (population / z2 + 1)) ** 2
        - 64
        * (1 / z2 + 1 / population)
        * average
        * (population * (average * (population / z2 + 2) - 1) + z2 * (average - 1))
    )
    last = 1 / z2 + 1 / population
    value = (first - adj / 8) / last if side == "low" else (first + adj / 8) / last
    return value / population


@pytest.mark.parametrize("target", [0.02, 0.2, 0.65])
def test_proportion_funnel_equals_phe_sigma_adjustment(target):
    n = np.array([5, 20, 100, 1000, 25_000])
    limits = funnel_limits(target, n, statistic="proportion")
    for c, p in ((0.95, 0.975), (0.998, 0.999)):
        suffix = "95_0cl" if c == 0.95 else "99_8cl"
        low = np.clip(phe_sigma_adjustment(p, n, target, "low"), 0, 1)
        high = np.clip(phe_sigma_adjustment(p, n, target, "high"), 0, 1)
        np.testing.assert_allclose(limits[f"lower{suffix}"], low, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(limits[f"upper{suffix}"], high, rtol=1e-9)


def test_proportion_funnel_limit_is_where_wilson_touches_the_target():
    target, n = 0.3, 400.0
    row = funnel_limits(target, [n]).iloc[0]
    for col, side in (("lower95_0cl", 1), ("upper95_0cl", 0)):
        x = row[col] * n  # an observed count exactly on the control limit
        assert math.isclose(wilson(x, n, 0.95)[side], target, rel_tol=1e-9)


@pytest.mark.parametrize("observed", [1, 5, 10, 57, 400])
def test_poisson_funnel_passes_through_phe_points(observed):
    # PHE: at a whole count O, the lower limit sits at E = exact upper(O), the upper at E = exact lower(O).
    target = 0.002  # a rate per person
    lo, hi = exact_poisson(observed, 0.95)
    pop_low, pop_high = float(hi) / target, float(lo) / target
    limits = funnel_limits(target, [pop_low, pop_high], statistic="rate", multiplier=100_000)
    assert limits["lower95_0cl"][0] == pytest.approx(observed / pop_low * 100_000, rel=1e-6)
    assert limits["upper95_0cl"][1] == pytest.approx(observed / pop_high * 100_000, rel=1e-6)


@settings(max_examples=100, deadline=None, database=None)
@given(
    target=st.floats(0.001, 3.0),
    n=st.floats(1.0, 1e6),
    statistic=st.sampled_from(["proportion", "rate", "ratio"]),
)
def test_funnel_limits_bracket_the_target_and_nest(target, n, statistic):
    if statistic == "proportion":
        target = min(target, 1.0)
    row = funnel_limits(target, [n], statistic=statistic).iloc[0]
    assert row["lower99_8cl"] <= row["lower95_0cl"] <= target + 1e-12
    assert target - 1e-12 <= row["upper95_0cl"] <= row["upper99_8cl"]


def test_funnel_narrows_as_the_denominator_grows():
    limits = funnel_limits(1.0, np.geomspace(1, 10_000, 50), statistic="ratio", multiplier=100)
    width = (limits["upper95_0cl"] - limits["lower95_0cl"]).to_numpy()
    assert (np.diff(width) < 0).all()
    assert set(limits["baseline"]) == {100.0} and set(limits["method"]) == {"Poisson"}


def test_funnel_limits_as_polars():
    assert isinstance(funnel_limits(0.1, [10, 100], polars=True), pl.DataFrame)


def test_funnel_significance_labels_outliers():
    frame = pd.DataFrame({"okrug": list("ABCDE"), "x": [100, 500, 150, 80, 70], "n": [1000] * 5})
    result = funnel_significance(frame, "x", "n", statistic="proportion", multiplier=100)
    got = dict(zip(result["okrug"], result["significance"], strict=True))
    # pooled target 0.18: 0.10 and 0.50 are far out; 0.15 is inside the 99.8% but outside the 95% line
    assert got["B"] == "High (0.001)" and got["A"] == "Low (0.001)"
    assert got["C"] == "Low (0.025)"
    assert result["value"][1] == pytest.approx(50.0)
    on_polars = funnel_significance(pl.from_pandas(frame), "x", "n", target=0.15)
    assert on_polars.filter(pl.col("okrug") == "C")["significance"][0] == "Not significant"


# --------------------------------------------------------------------------------------------------
# suppress_small
# --------------------------------------------------------------------------------------------------
def test_suppress_small_on_pandas_marks_and_nulls_never_zeroes():
    frame = pd.DataFrame(
        {"okrug": ["A", "B", "C", "D"], "n": [3, 12, 0, None], "rate": [1.5, 6.0, 0.0, None]}
    )
    out = suppress_small(frame, "n", also=["rate"])
    assert list(out["n_suppressed"]) == [True, False, True, False]
    assert out["n"].isna().tolist() == [True, False, True, True]
    assert out["rate"].isna().tolist() == [True, False, True, True]
    assert out.loc[1, "n"] == 12 and out.loc[1, "rate"] == 6.0
    assert (out["n"] == 0).sum() == 0  # never a silent zero
    assert frame.loc[0, "n"] == 3  # the input is untouched


def test_suppress_small_on_polars_keeps_types_and_flags():
    frame = pl.DataFrame({"okrug": ["A", "B", "C"], "patients": [4, 5, 0], "visits": [50, 2, 9]})
    out = suppress_small(frame, ["patients", "visits"], keep_zero=True)
    assert isinstance(out, pl.DataFrame)
    assert out["patients_suppressed"].to_list() == [True, False, False]
    assert out["visits_suppressed"].to_list() == [False, True, False]
    assert out["patients"].to_list() == [None, 5, 0]
    assert out["visits"].to_list() == [50, None, 9]
    assert out["patients"].dtype == pl.Int64


def test_suppress_small_threshold_and_unknown_column():
    frame = pd.DataFrame({"n": [7, 10]})
    assert suppress_small(frame, "n", threshold=10)["n_suppressed"].tolist() == [True, False]
    with pytest.raises(KeyError):
        suppress_small(frame, "missing")
    with pytest.raises(KeyError):
        suppress_small(pl.from_pandas(frame), "n", also=["missing"])


@settings(max_examples=50, deadline=None, database=None)
@given(values=st.lists(st.one_of(st.none(), st.integers(0, 50)), min_size=1, max_size=30))
def test_suppress_small_same_answer_on_pandas_and_polars(values):
    pdf = pd.DataFrame({"n": pd.array(values, dtype="Int64")})
    a = suppress_small(pdf, "n")
    b = suppress_small(pl.DataFrame({"n": values}, schema={"n": pl.Int64}), "n")
    assert a["n_suppressed"].tolist() == b["n_suppressed"].to_list()
    assert [None if pd.isna(v) else int(v) for v in a["n"]] == b["n"].to_list()
    assert all(v is None or v >= 5 for v in b["n"].to_list())
