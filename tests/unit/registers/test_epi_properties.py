"""Properties of the epidemiology methods that must hold for any input, and their edge cases."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import binom, chi2, norm, poisson

from registers import (
    ESP2013,
    byars,
    crude_rate,
    dsr,
    exact_poisson,
    isr,
    poisson_limits,
    proportion,
    rate_summary,
    wilson,
)

counts = st.integers(min_value=0, max_value=100_000)
levels = st.sampled_from([0.9, 0.95, 0.99, 0.998])
FAST = settings(max_examples=100, deadline=None, database=None)  # no .hypothesis/ in the repo


@FAST
@given(x=counts, c=levels)
def test_poisson_limits_bracket_the_count(x, c):
    lo, hi = poisson_limits(x, c)
    assert 0 <= lo <= x <= hi


@FAST
@given(x=counts)
def test_poisson_limits_widen_with_confidence(x):
    lo95, hi95 = poisson_limits(x, 0.95)
    lo998, hi998 = poisson_limits(x, 0.998)
    assert lo998 <= lo95 and hi95 <= hi998


@FAST
@given(x=st.integers(min_value=0, max_value=500), c=levels)
def test_exact_poisson_limits_are_the_tail_probabilities(x, c):
    # Garwood: at the upper limit P(X <= x) = alpha/2; at the lower limit P(X >= x) = alpha/2.
    lo, hi = exact_poisson(x, c)
    alpha = 1 - c
    assert math.isclose(poisson.cdf(x, hi), alpha / 2, rel_tol=1e-6)
    if x > 0:
        assert math.isclose(poisson.sf(x - 1, lo), alpha / 2, rel_tol=1e-6)


@FAST
@given(x=st.integers(min_value=10, max_value=100_000))
def test_byars_is_close_to_exact_from_ten_events(x):
    (blo, bhi), (elo, ehi) = byars(x, 0.95), exact_poisson(x, 0.95)
    assert abs(blo - elo) / elo < 0.01 and abs(bhi - ehi) / ehi < 0.01


def test_byars_lower_of_zero_is_zero_and_exact_of_zero_is_classical():
    assert byars(0)[0] == 0
    lo, hi = exact_poisson(0, 0.95)
    assert lo == 0 and math.isclose(hi, -math.log(0.025), rel_tol=1e-9)  # 3.689


@FAST
@given(data=st.data(), c=levels)
def test_wilson_brackets_the_proportion_and_stays_in_0_1(data, c):
    n = data.draw(st.integers(min_value=1, max_value=10**7))
    x = data.draw(st.integers(min_value=0, max_value=n))
    lo, hi = wilson(x, n, c)
    assert 0 <= lo <= x / n <= hi <= 1


@FAST
@given(data=st.data())
def test_wilson_widens_with_confidence(data):
    n = data.draw(st.integers(min_value=1, max_value=10**6))
    x = data.draw(st.integers(min_value=0, max_value=n))
    lo95, hi95 = wilson(x, n, 0.95)
    lo998, hi998 = wilson(x, n, 0.998)
    assert lo998 <= lo95 + 1e-15 and hi95 <= hi998 + 1e-15


def test_wilson_is_the_score_test_inversion():
    # At each limit the score statistic |p - t| / sqrt(t(1-t)/n) equals z.
    x, n, c = 37, 250, 0.95
    for t in wilson(x, n, c):
        assert math.isclose(abs(x / n - t) / math.sqrt(t * (1 - t) / n), norm.ppf(0.975), rel_tol=1e-9)


@pytest.mark.parametrize("bad", [0.5, 5, 100, 150])
def test_confidence_outside_90_to_100_is_refused(bad):
    with pytest.raises(ValueError, match="confidence"):
        poisson_limits(5, bad)


def test_invalid_inputs_are_refused():
    frame = pd.DataFrame({"x": [-1], "n": [10]})
    with pytest.raises(ValueError, match="greater than or equal to zero"):
        crude_rate(frame, "x", "n")
    with pytest.raises(ValueError, match="greater than zero"):
        crude_rate(pd.DataFrame({"x": [1], "n": [0]}), "x", "n")
    with pytest.raises(ValueError, match="less than or equal"):
        proportion(pd.DataFrame({"x": [11], "n": [10]}), "x", "n")
    with pytest.raises(KeyError, match="nope"):
        crude_rate(frame, "nope", "n")
    with pytest.raises(TypeError):
        crude_rate({"x": [1]}, "x", "n")


# --------------------------------------------------------------------------------------------------
# Frame functions: grouping, polars, a single confidence level
# --------------------------------------------------------------------------------------------------
def test_crude_rate_by_group_sums_first_and_keeps_polars():
    frame = pl.DataFrame({"okrug": ["A", "A", "B"], "x": [3, 9, 40], "pop": [1000, 2000, 10_000]})
    result = crude_rate(frame, "x", "pop", by="okrug", multiplier=1000, confidence=95)
    assert isinstance(result, pl.DataFrame)
    assert result.columns == [
        "okrug",
        "x",
        "pop",
        "value",
        "lower95_0cl",
        "upper95_0cl",
        "method",
        "confidence",
        "multiplier",
    ]
    a = result.filter(pl.col("okrug") == "A").row(0, named=True)
    assert a["x"] == 12 and a["value"] == pytest.approx(4.0) and a["method"] == "Byars"


def test_dsr_on_a_flat_population_equals_the_crude_rate():
    # Same rate in every band -> the DSR equals that rate whatever the standard.
    frame = pd.DataFrame({"x": [10] * 19, "n": [1000] * 19})
    result = dsr(frame, "x", "n", multiplier=1000).iloc[0]
    assert result["value"] == pytest.approx(10.0)
    assert result["lower95_0cl"] < 10 < result["upper95_0cl"]


def test_dsr_refuses_groups_without_one_row_per_band():
    frame = pd.DataFrame({"x": [1] * 18, "n": [100] * 18})
    with pytest.raises(ValueError, match="one row per age band"):
        dsr(frame, "x", "n")


def test_dsr_unknown_band_label_is_refused():
    frame = pd.DataFrame({"band": ["0-4"] * 18 + ["95+"], "x": [5] * 19, "n": [100] * 19})
    with pytest.raises(ValueError, match="95\\+"):
        dsr(frame, "x", "n", age_band="band")


@settings(max_examples=40, deadline=None, database=None)
@given(
    x=st.lists(st.integers(0, 500), min_size=19, max_size=19),
    n=st.lists(st.integers(1, 50_000), min_size=19, max_size=19),
)
def test_dsr_limits_bracket_the_dsr_and_widen_with_confidence(x, n):
    result = dsr(pd.DataFrame({"x": x, "n": n}), "x", "n").iloc[0]
    if sum(x) < 10:
        assert np.isnan(result["value"]) and np.isnan(result["upper99_8cl"])
    else:
        assert result["lower99_8cl"] <= result["lower95_0cl"] <= result["value"]
        assert result["value"] <= result["upper95_0cl"] <= result["upper99_8cl"]


def test_isr_of_the_reference_itself_is_the_reference_rate():
    ref_x, ref_n = np.arange(1, 20) * 30, np.full(19, 10_000)
    frame = pd.DataFrame({"x": ref_x, "n": ref_n})
    ratio = isr(frame, "x", "n", ref_count=ref_x, ref_population=ref_n, statistic="ratio").iloc[0]
    rate = isr(frame, "x", "n", ref_count=ref_x, ref_population=ref_n).iloc[0]
    assert ratio["value"] == pytest.approx(1.0)
    assert rate["value"] == pytest.approx(ref_x.sum() / ref_n.sum() * 100_000)


def test_esp2013_is_exported_with_labels():
    assert ESP2013.weights[ESP2013.bands.index("40-44")] == 7000


# --------------------------------------------------------------------------------------------------
# Agreement with independent formulas (scipy), so the Byar's/exact switch is where it should be
# --------------------------------------------------------------------------------------------------
def test_crude_rate_switches_from_exact_to_byars_at_ten():
    frame = pd.DataFrame({"x": [9, 10], "n": [1000, 1000]})
    result = crude_rate(frame, "x", "n", multiplier=1, confidence=0.95)
    assert list(result["method"]) == ["Exact", "Byars"]
    assert result["upper95_0cl"][0] == pytest.approx(chi2.ppf(0.975, 20) / 2 / 1000)


def test_binomial_sanity_of_wilson_against_exact_coverage_direction():
    # Wilson is narrower than Clopper-Pearson for a mid-range proportion (a known property).
    x, n = 30, 100
    lo, hi = wilson(x, n, 0.95)
    cp_lo, cp_hi = binom.ppf(0.025, n, 0.3) / n, binom.ppf(0.975, n, 0.3) / n
    assert hi - lo < (cp_hi - cp_lo) + 0.05


def test_row_level_rates_keep_the_other_columns():
    frame = pd.DataFrame({"okrug": ["A", "B"], "x": [5, 50], "pop": [1000, 1000]})
    result = proportion(frame, "x", "pop", multiplier=100)
    assert list(result["okrug"]) == ["A", "B"] and result["value"].tolist() == [0.5, 5.0]


def test_dsr_refuses_events_without_population():
    frame = pd.DataFrame({"x": [1] + [5] * 18, "n": [0] + [100] * 18})
    with pytest.raises(ValueError, match="no population"):
        dsr(frame, "x", "n")


def test_dsr_by_label_refuses_a_missing_or_repeated_band():
    bands = list(ESP2013.bands)
    missing = pd.DataFrame({"band": bands[:-1], "x": [5] * 18, "n": [100] * 18})
    with pytest.raises(ValueError, match="one row per age band"):
        dsr(missing, "x", "n", age_band="band")
    repeated = pd.DataFrame({"band": bands[:-1] + ["0-4"], "x": [5] * 19, "n": [100] * 19})
    with pytest.raises(ValueError, match="appears twice"):
        dsr(repeated, "x", "n", age_band="band")


def test_rate_summary_gives_crude_and_dsr_per_group_on_polars():
    bands = list(ESP2013.bands)
    frame = pl.DataFrame(
        {
            "okrug": ["A"] * 19 + ["B"] * 19,
            "band": bands * 2,
            "x": [20] * 19 + [1] * 19,
            "pop": [1000] * 38,
        }
    )
    out = rate_summary(frame, "x", "pop", by="okrug", age_band="band")
    assert isinstance(out, pl.DataFrame)
    a = out.filter(pl.col("okrug") == "A").row(0, named=True)
    assert (
        a["x"] == 380
        and a["crude_value"] == pytest.approx(2000.0)
        and a["dsr_value"] == pytest.approx(2000.0)
    )
    assert a["dsr_lower95_0cl"] < 2000 < a["dsr_upper95_0cl"]
    whole = rate_summary(frame.to_pandas().query("okrug == 'A'"), "x", "pop", age_band="band")
    assert whole["crude_value"][0] == pytest.approx(2000.0) and whole["dsr_value"][0] == pytest.approx(2000.0)
