"""Funnel plots: control limits and significance for comparing facilities or okrugs, as PHE publishes them.

Method: PHE technical guidance "Funnel plots" (Fingertips, "Public health methods"), Spiegelhalter 2005
(Statistics in Medicine 24:1185), and the choices of UKHSA's R package PHEindicatormethods, whose published
test data these functions reproduce (tests/unit/registers/test_epi_phe_funnels.py):

- `phe_funnels` is PHE's `calculate_funnel_limits` (formerly `phe_funnels`): the table of 100 plot points
  of the 95% (2-sigma) and 99.8% (3-sigma) limit lines, over a range of denominators taken from the data.
- `funnel_significance` (also `phe_funnel_significance`) is PHE's `assign_funnel_significance`: is each
  unit outside the 95% or 99.8% limits?
- `phe_funnel_points` is PHE's `calculate_funnel_points` (formerly `phe_funnel_convert_points`): where
  each unit of a rate funnel is drawn.
- `funnel_limits` gives the same limit lines at any denominators you choose (a smooth curve for a chart).

The statistics:
- proportions: Wilson score limits around the target t. The limit at denominator n is the proportion whose
  Wilson interval just reaches t; Wilson's interval inverts the score test, so it is t +/- z sqrt(t(1 - t)
  / n), clipped to [0, 1] (PHEindicatormethods' `sigma_adjustment` writes the same value as the root of a
  quadratic). A unit is significant when its proportion lies beyond the limit.
- ratios (observed O over expected E) and rates (events O over population n): exact Poisson limits. A unit
  is significant when the target (1 for a ratio, PHE's default; the pooled rate for a rate) lies outside
  the confidence interval of its own value: O's limits (exact below 10 events, Byar's from 10, as
  `poisson_limits`) divided by E or n. For a DSR, n is PHE's derived denominator multiplier x O / DSR,
  and a unit with fewer than 10 events is "not applicable" (PHE publishes no DSR below 10 events).
- the lines PHE draws: at each whole count O of the grid, the lower line sits at the E (or n = E / rate)
  where O is the exact upper limit, the upper line where O is the exact lower limit. PHE finds that E by
  bisection (24 halvings of v = E / (E + O + 1), from its Excel tool); `phe_funnels` does the same, so its
  figures match PHE's to 1e-6 (an exact root differs from PHE's by up to 5e-5 at one event). Ratio lines
  are O / E - 1 for ratio_type "count" (the excess over expected, 0 = as expected) and O / E x 100 for
  "isr" (the indirectly standardised ratio, 100 = as expected).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import gdtrib
from scipy.stats import poisson

from registers.methods import (
    Confidence,
    _column,
    _levels,
    _like,
    _suffix,
    _to_pandas,
    _z,
    poisson_limits,
)

__all__ = [
    "DSR_NOT_APPLICABLE",
    "SIGNIFICANCE_LABELS",
    "funnel_limits",
    "funnel_significance",
    "phe_funnel_points",
    "phe_funnel_significance",
    "phe_funnels",
]

_STATISTICS = ("proportion", "rate", "ratio")
_RATIO_TYPES = ("count", "isr")
_RATE_TYPES = ("dsr", "crude")
#: The labels of PHEindicatormethods' `assign_funnel_significance`; 0.001 and 0.025 are the one-sided tails
#: beyond the 99.8% and 95% limits.
SIGNIFICANCE_LABELS = ("High (0.001)", "High (0.025)", "Low (0.001)", "Low (0.025)", "Not significant")
#: PHE's label for a DSR unit with fewer than 10 events (PHE publishes no DSR below 10 events).
DSR_NOT_APPLICABLE = "Not applicable for events less than 10 for dsrs"
_DSR_MIN_EVENTS = 10
# PHE's two lines: 95% (2-sigma, tail 0.025) and 99.8% (3-sigma, tail 0.001).
_LINES = (("2s", 0.95), ("3s", 0.998))


def _check_choice(name: str, value: Any, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise ValueError(f"{name} must be one of {choices}, got {value!r}")


# --------------------------------------------------------------------------------------------------
# Limits at chosen denominators (a smooth curve)
# --------------------------------------------------------------------------------------------------
def _limits(statistic: str, target: float, n: np.ndarray, confidence: float) -> tuple[np.ndarray, np.ndarray]:
    """Control limits as plain fractions (not multiplied) at denominators n."""
    if statistic == "proportion":
        if not 0 <= target <= 1:
            raise ValueError("a proportion target must be between 0 and 1")
        half = _z(confidence) * np.sqrt(target * (1 - target) / n)
        return np.clip(target - half, 0, 1), np.clip(target + half, 0, 1)
    if target < 0:
        raise ValueError("a rate or ratio target must be greater than or equal to zero")
    alpha = 1 - confidence
    expected = target * n
    with np.errstate(invalid="ignore"):
        # exact upper(O) = gamma quantile(1 - a/2; shape O + 1); exact lower(O) = gamma quantile(a/2; shape O)
        o_low = gdtrib(1.0, 1 - alpha / 2, expected) - 1.0
        o_high = gdtrib(1.0, alpha / 2, expected)
    # When E is below the exact upper limit of 0 events (3.69 at 95%) no count is significantly low.
    o_low = np.where(np.isnan(o_low) | (o_low < 0), 0.0, o_low)
    return o_low / n, o_high / n


def funnel_limits(
    target: float,
    denominators: Sequence[float] | np.ndarray,
    *,
    statistic: str = "proportion",
    multiplier: float = 1,
    confidence: Confidence = (0.95, 0.998),
    polars: bool = False,
) -> Any:
    """Funnel-plot control limits around `target` at each of `denominators`, for drawing a smooth funnel.

    target: the plain proportion, rate per person, or ratio (not multiplied), e.g. sum(count)/sum(pop); 1
    for a ratio of observed to expected. denominators: populations (proportion, rate) or expected counts
    (ratio), all > 0; e.g. `np.geomspace(min_pop, max_pop, 100)`. statistic: "proportion" (Wilson score)
    or "rate" / "ratio" (exact Poisson; the count O is solved continuously with scipy.special.gdtrib, so
    the curve is smooth and passes through PHE's whole-count points). Method: module docstring; PHE's own
    100-point table is `phe_funnels`.
    Returns a pandas frame (polars with `polars=True`), one row per denominator: `denominator`,
    `baseline` (target * multiplier), `lower<level>cl` / `upper<level>cl` (x multiplier) for each
    confidence (95% and 99.8%), `method`. Raises ValueError on an unknown statistic, a denominator <= 0,
    a proportion target outside [0, 1] or a negative rate or ratio target.
    """
    _check_choice("statistic", statistic, _STATISTICS)
    n = np.asarray(denominators, dtype=float)
    if np.any(n <= 0):
        raise ValueError("denominators must all be greater than zero")
    out: dict[str, Any] = {"denominator": n, "baseline": np.full(n.shape, target * multiplier)}
    for c in _levels(confidence):
        lo, hi = _limits(statistic, float(target), n, c)
        out[f"lower{_suffix(c)}"] = lo * multiplier
        out[f"upper{_suffix(c)}"] = hi * multiplier
    out["method"] = "Wilson" if statistic == "proportion" else "Poisson"
    result = pd.DataFrame(out)
    if polars:
        import polars as pl

        return pl.from_pandas(result)
    return result


# --------------------------------------------------------------------------------------------------
# Significance of each unit
# --------------------------------------------------------------------------------------------------
def _rate_denominator(
    df: pd.DataFrame, x: np.ndarray, rate: str, denominator: str | None, rate_type: str, multiplier: float
) -> np.ndarray:
    """PHE's derived denominator of a rate: multiplier * events / rate (for a DSR, the population that
    would give the DSR as a crude rate). With 0 events a crude rate takes the given denominator and a DSR
    has none (NaN). PHE's refusals of missing inputs, except that a DSR row below 10 events may lack its
    rate (PHE's own DSR is missing there)."""
    if np.any(np.isnan(x)):
        raise ValueError("for rates, every row needs its number of events (0 when there are none)")
    r = _column(df, rate)
    given = _column(df, denominator) if denominator is not None else np.full(len(df), np.nan)
    # A DSR below 10 events is not published (NaN, `dsr`), so those rows need no rate.
    optional = (x < _DSR_MIN_EVENTS) if rate_type == "dsr" else np.zeros(x.shape, bool)
    if np.any(np.isnan(r) & np.isnan(given) & ~optional):
        raise ValueError("for rates, every row needs its rate, or its denominator where the rate is 0")
    zero = x == 0
    if np.any(zero) and denominator is None:
        raise ValueError("for rates, rows with 0 events need the denominator column (denominator=...)")
    if np.any(zero & ~(given > 0)):
        raise ValueError("for rates, rows with 0 events need a denominator greater than zero")
    with np.errstate(divide="ignore", invalid="ignore"):
        derived = multiplier * x / r
    if rate_type == "dsr":
        return np.where(zero, np.nan, derived)
    return np.where(zero, given, derived)


def _check_complete(x: np.ndarray, n: np.ndarray) -> None:
    """The pooled proportion needs every row: PHE refuses a missing numerator or denominator."""
    missing = np.flatnonzero(np.isnan(x) | np.isnan(n))
    if missing.size:
        raise ValueError(
            f"for proportions, every row needs its numerator and denominator (0 when none); "
            f"missing in rows {missing[:5].tolist()}"
        )


def _labels(high: dict[float, np.ndarray], low: dict[float, np.ndarray]) -> np.ndarray:
    """PHE's label from whether the unit is above (`high`) or below (`low`) its 99.8% and 95% limits."""
    return np.select(
        [high[0.998], high[0.95], low[0.998], low[0.95]],
        ["High (0.001)", "High (0.025)", "Low (0.001)", "Low (0.025)"],
        default="Not significant",
    ).astype(object)


def funnel_significance(
    frame: Any,
    count: str,
    denominator: str | None = None,
    *,
    statistic: str = "proportion",
    rate: str | None = None,
    rate_type: str = "crude",
    target: float | None = None,
    multiplier: float = 1,
) -> Any:
    """Place each row (a facility, an okrug) on the funnel: is it outside the 95% or 99.8% control limits?

    PHEindicatormethods' `assign_funnel_significance` (formerly `phe_funnel_significance`); method in the
    module docstring (Spiegelhalter 2005; PHE technical guidance "Funnel plots").
    frame: pandas or polars, one row per unit. count: events (numerator or observed). denominator:
    population (proportion, rate) or expected count (ratio). For a rate, either `denominator` or `rate`
    (the column of rates per `multiplier`; the denominator is then derived as PHE does: multiplier * count
    / rate, and `denominator` is needed only for rows with 0 events). rate_type "dsr" or "crude" (rates
    only): with "dsr", rows with fewer than 10 events get `DSR_NOT_APPLICABLE`. target: what units are
    compared with, as a plain fraction; default PHE's: 1 for a ratio, the pooled sum(count) /
    sum(denominator) for a proportion or rate (rows without a denominator left out of the sum).
    Returns the frame with `value` (the rate column itself when `rate` is given, else count / denominator
    * multiplier) and `significance`, one of `SIGNIFICANCE_LABELS` (or `DSR_NOT_APPLICABLE`; missing where
    the value is missing). Raises ValueError on an unknown statistic or rate_type, a negative count, a
    denominator <= 0, a proportion above 1, a missing count or rate PHE refuses for a rate, and a missing
    numerator or denominator of a proportion when the target is the pooled one (which needs every row).
    """
    _check_choice("statistic", statistic, _STATISTICS)
    _check_choice("rate_type", rate_type, _RATE_TYPES)
    df = _to_pandas(frame)
    x = _column(df, count)
    if statistic == "rate" and rate is not None:
        n = _rate_denominator(df, x, rate, denominator, rate_type, multiplier)
        value = _column(df, rate)
        with np.errstate(divide="ignore", invalid="ignore"):
            # a crude rate left empty for a row with 0 events is 0 (its denominator is given)
            value = np.where(np.isnan(value), x / n * multiplier, value)
    else:
        if denominator is None:
            raise ValueError(f"a {statistic} needs a denominator column (or, for a rate, a rate column)")
        if statistic == "rate" and rate_type == "dsr":
            raise ValueError(
                "a DSR funnel needs the rate column (rate=...): a DSR is not count / denominator"
            )
        n = _column(df, denominator)
        with np.errstate(divide="ignore", invalid="ignore"):
            value = x / n * multiplier
    if np.any(x < 0):
        raise ValueError("numerators must all be greater than or equal to zero")
    if np.any(n <= 0):
        raise ValueError("denominators must all be greater than zero")
    if statistic == "proportion":
        if target is None:
            _check_complete(x, n)
        if np.any(x > n):
            raise ValueError(
                "numerators must be less than or equal to denominator for a proportion statistic"
            )
    if target is None:
        target = 1.0 if statistic == "ratio" else float(np.nansum(x) / np.nansum(n))
    label = _significance(statistic, x, n, float(target))
    label[np.isnan(x) | np.isnan(value)] = None
    if statistic == "rate" and rate_type == "dsr":
        label[x < _DSR_MIN_EVENTS] = DSR_NOT_APPLICABLE
    result = df.copy()
    result["value"] = value
    result["significance"] = label
    return _like(result, frame)


def _significance(statistic: str, x: np.ndarray, n: np.ndarray, target: float) -> np.ndarray:
    """Labels: a proportion against Wilson limits around the target; a ratio or rate by whether the target
    lies outside the unit's own Poisson interval (compared as PHE compares them, so labels match)."""
    high, low = {}, {}
    with np.errstate(divide="ignore", invalid="ignore"):
        for c in (0.95, 0.998):
            if statistic == "proportion":
                half = _z(c) * np.sqrt(target * (1 - target) / n)
                high[c], low[c] = x / n > target + half, x / n < target - half
            else:
                lo, hi = poisson_limits(x, c)
                high[c], low[c] = target < lo / n, target > hi / n
    return _labels(high, low)


phe_funnel_significance = funnel_significance


# --------------------------------------------------------------------------------------------------
# PHE's table of funnel lines
# --------------------------------------------------------------------------------------------------
def _poisson_funnel(observed: np.ndarray, tail: float, side: str) -> np.ndarray:
    """PHE's `poisson_funnel`: the expected count E at which `observed` sits on a limit line.

    side "low": E with P(X >= O | E) = tail (O's exact lower limit; the upper line is O / E);
    side "high": E with P(X <= O | E) = tail (O's exact upper limit; the lower line is O / E).
    Solved as PHE solves it, by 24 halvings of v = E / (E + O + 1) from 0.5, with PHE's Poisson
    probabilities (`_phe_poisson_share`), so the figures are PHE's to the last halving.
    """
    v, dv = np.full(observed.shape, 0.5), 0.5
    while dv > 1e-7:
        dv /= 2
        e = (1 + observed) * v / (1 - v)
        if side == "low":
            v = np.where(_phe_poisson_share(e, observed, np.inf) > tail, v - dv, v + dv)
        else:
            v = np.where(_phe_poisson_share(e, 0, observed) < tail, v - dv, v + dv)
    return (1 + observed) * v / (1 - v)


def _phe_poisson_share(mean: np.ndarray, low: Any, high: Any) -> np.ndarray:
    """P(low <= X <= high) for X ~ Poisson(mean), summed as PHE's `poisson_cis` sums it.

    PHE adds the terms k = 0, 1, ... and stops at the first k above the mean whose term is at most 1e-10
    of the sum so far, then divides by that sum. The neglected tail moves a probability by about 1e-7 of
    itself, enough to flip the last halving of `_poisson_funnel` now and then (a 5e-7 difference in E),
    so it is reproduced here: the stopping count K per mean, then P(low <= X <= min(high, K - 1)) / P(X
    <= K - 1) from scipy's exact Poisson distribution.
    """
    start = np.floor(mean) + 1
    k = start[:, None] + np.arange(int(40 + 15 * np.sqrt(np.max(mean))))[None, :]
    stop = poisson.pmf(k, mean[:, None]) <= 1e-10 * poisson.cdf(k - 1, mean[:, None])
    last = start + np.argmax(stop, axis=1) - 1  # K - 1, the last term PHE adds
    high = np.minimum(high, last)
    share = poisson.sf(low - 1, mean) - poisson.sf(high, mean)
    return np.maximum(share, 0.0) / poisson.cdf(last, mean)


def _r_nchar(k: float) -> int:
    """Characters R's as.character gives a whole number: 100000 is "1e+05" (5), 123456 is "123456" (6).

    PHE's axis rounding counts these characters, so a round number from 1e5 up rounds at one digit less.
    """
    fixed = str(int(k))
    digits = fixed.rstrip("0") or "0"
    exponent = len(fixed) - 1
    scientific = len(digits) + (1 if len(digits) > 1 else 0) + 2 + max(2, len(str(exponent)))
    return len(fixed) if len(fixed) <= scientific else scientific


def _floor_neat(x: float) -> float:
    """PHE's axis minimum: 95% of x rounded down to its leading digit (0 stays 0)."""
    if x == 0:
        return 0.0
    n = _r_nchar(math.floor(x * 0.95)) - 1
    return math.floor(x * 0.95 / 10**n) * 10**n


def _ceiling_neat(x: float) -> float:
    """PHE's axis maximum: 105% of x rounded up to its two leading digits (0 stays 0)."""
    if x == 0:
        return 0.0
    n = _r_nchar(math.ceil(x * 1.05)) - 2
    return math.ceil(x * 1.05 / 10.0**n) * 10.0**n


def _grid(axis_minimum: float, axis_maximum: float, statistic: str) -> np.ndarray:
    """PHE's 100 denominators (or counts): from max(1, minimum), each the previous times the step that
    would reach the maximum in the points left, rounded, and at least one more than the previous."""
    points = [max(1.0, axis_minimum)]
    for j in range(2, 101):
        left = 101 - (j if statistic in ("proportion", "rate") else j - 1)
        step = (axis_maximum / points[-1]) ** (1 / left) * points[-1]
        points.append(max(float(np.round(step)), points[-1] + 1))
    return np.asarray(points)


def _funnel_inputs(
    df: pd.DataFrame,
    numerator: str,
    denominator: str | None,
    statistic: str,
    rate: str | None,
    rate_type: str | None,
    multiplier: float,
) -> tuple[np.ndarray, np.ndarray]:
    x = _column(df, numerator)
    if statistic == "rate":
        return x, _rate_denominator(df, x, rate, denominator, rate_type, multiplier)  # type: ignore[arg-type]
    n = _column(df, denominator)  # type: ignore[arg-type]
    if statistic == "proportion":
        _check_complete(x, n)
    return x, n


def phe_funnels(
    frame: Any,
    numerator: str,
    denominator: str | None = None,
    *,
    statistic: str,
    multiplier: float,
    rate: str | None = None,
    ratio_type: str | None = None,
    rate_type: str | None = None,
    years_of_data: float | None = None,
    full: bool = True,
) -> Any:
    """PHE's funnel-plot lines: 100 points of the 95% and 99.8% control limits over the data's range.

    PHEindicatormethods' `calculate_funnel_limits` (formerly `phe_funnels`); method in the module docstring
    (Spiegelhalter 2005; PHE technical guidance "Funnel plots"). frame: pandas or polars, one row per unit.
    statistic "proportion" (numerator, denominator; multiplier 100 for a percentage), "ratio" (observed,
    expected; ratio_type "count" or "isr") or "rate" (numerator and the `rate` column per `multiplier`;
    rate_type "dsr" or "crude"; years_of_data, the years the counts span; `denominator` only for rows with 0
    events). The baseline is sum(numerator) / sum(denominator) over the rows (for a rate, PHE's derived
    denominators multiplier * numerator / rate, rows with none left out).
    The x axis runs from 0 (or, when the largest denominator is at most twice the smallest, 95% of the
    smallest rounded down to its leading digit) to 105% of the largest rounded up to two digits, in 100
    whole steps closer together at the small end.
    Returns a frame of the input's kind, 100 rows, PHE's columns ("2s" is the 95% line, "3s" the 99.8%):
    - proportion: `Population`, `lower_2s_limit`, `upper_2s_limit`, `lower_3s_limit`, `upper_3s_limit`
      (x multiplier, clipped to [0, multiplier]), `baseline`;
    - ratio: `Observed_events`, and for each line `<side>_<2s|3s>_exp_events` (the expected count at which
      that many events sits on the line) and `<side>_<2s|3s>_limit` (O / E - 1 for "count", O / E x 100 for
      "isr");
    - rate: `Events`, `<side>_<2s|3s>_population_1_year` (population per year at which that many events
      sits on the line), `<side>_<2s|3s>_limit` (per multiplier), `baseline`;
    and with full=True (PHE's type "full") `statistic` (e.g. "rate (dsr per 100,000)") and `method`.
    Raises ValueError on an unknown statistic, ratio_type or rate_type, and on the missing arguments and
    inputs PHE refuses.
    """
    _check_choice("statistic", statistic, _STATISTICS)
    if statistic == "ratio":
        _check_choice("ratio_type", ratio_type, _RATIO_TYPES)
    if statistic == "rate":
        _check_choice("rate_type", rate_type, _RATE_TYPES)
        if rate is None or years_of_data is None:
            raise ValueError("a rate funnel needs the rate column (rate=...) and years_of_data")
    elif denominator is None:
        raise ValueError(f"a {statistic} funnel needs the denominator column")
    df = _to_pandas(frame)
    x, n = _funnel_inputs(df, numerator, denominator, statistic, rate, rate_type, multiplier)
    average = np.nansum(x) / np.nansum(n)
    low_n, high_n = np.nanmin(n), np.nanmax(n)
    per_year = years_of_data if statistic == "rate" else 1
    axis_minimum = 0.0 if high_n > 2 * low_n else _floor_neat(low_n / per_year) * per_year
    axis_maximum = _ceiling_neat(high_n / per_year) * per_year
    if statistic == "rate":  # a rate funnel's axis counts events
        axis_minimum, axis_maximum = math.floor(axis_minimum * average), math.ceil(axis_maximum * average)
    points = _grid(axis_minimum, axis_maximum, statistic)
    table = _proportion_lines(points, average, multiplier) if statistic == "proportion" else None
    if statistic == "ratio":
        table = _poisson_lines(points, "Observed_events", "exp_events")
        limits = [c for c in table.columns if c.endswith("_limit")]
        table[limits] = table[limits] - 1 if ratio_type == "count" else table[limits] * 100
    elif statistic == "rate":
        table = _poisson_lines(points, "Events", "population_1_year")
        for column in table.columns[1:]:
            # O / population = O / (E / average): the line is the ratio scaled by the baseline rate
            table[column] = table[column] * (
                average * multiplier if column.endswith("_limit") else 1 / average
            )
        for column in [c for c in table.columns if c.endswith("_1_year")]:
            table[column] = table[column] / years_of_data
        table["baseline"] = average * multiplier
    if full:
        table["statistic"] = _statistic_label(statistic, ratio_type, rate_type, multiplier)
        table["method"] = "Wilson" if statistic == "proportion" else "Poisson"
    return _like(table, frame)


def _proportion_lines(population: np.ndarray, average: float, multiplier: float) -> pd.DataFrame:
    table = pd.DataFrame({"Population": population})
    for sigma, c in _LINES:
        half = _z(c) * np.sqrt(average * (1 - average) / population)
        table[f"lower_{sigma}_limit"] = np.clip(average - half, 0, 1) * multiplier
        table[f"upper_{sigma}_limit"] = np.clip(average + half, 0, 1) * multiplier
    table = table[["Population", "lower_2s_limit", "upper_2s_limit", "lower_3s_limit", "upper_3s_limit"]]
    return table.assign(baseline=average * multiplier)


def _poisson_lines(observed: np.ndarray, x_name: str, at_name: str) -> pd.DataFrame:
    """Per count O: the expected count at which O is on each line, and the line's ratio O / E."""
    table = pd.DataFrame({x_name: observed})
    for sigma, c in _LINES:
        tail = (1 - c) / 2
        for side, solve in (("lower", "high"), ("upper", "low")):
            expected = _poisson_funnel(observed, tail, solve)
            table[f"{side}_{sigma}_{at_name}"] = expected
            table[f"{side}_{sigma}_limit"] = observed / expected
    return table


def _statistic_label(statistic: str, ratio_type: str | None, rate_type: str | None, multiplier: float) -> str:
    if statistic == "ratio":
        return f"ratio ({ratio_type})"
    if statistic == "rate":
        return f"rate ({rate_type} per {multiplier:,.15g})"
    return statistic


def phe_funnel_points(
    frame: Any,
    numerator: str,
    rate: str,
    denominator: str | None = None,
    *,
    rate_type: str,
    years_of_data: float,
    multiplier: float,
) -> Any:
    """Where each unit of a rate funnel is drawn, as PHE's `calculate_funnel_points` places it.

    PHEindicatormethods' `calculate_funnel_points` (formerly `phe_funnel_convert_points`).
    frame: pandas or polars, one row per unit, with the events (`numerator`) and the rate per `multiplier`
    (`rate`; a DSR or crude rate, rate_type "dsr" or "crude"); `denominator` (population over all
    years_of_data) is needed only for rows with 0 events. Returns the frame with `<rate>_chart` (the
    value to plot: the rate, or NaN for a DSR with fewer than 10 events, which PHE does not publish) and
    `denominator_derived` (the x position: population per year, multiplier * numerator / rate /
    years_of_data; for a DSR below 10 events NaN; for 0 events the given denominator / years_of_data).
    Raises ValueError on an unknown rate_type or the missing inputs PHE refuses.
    """
    _check_choice("rate_type", rate_type, _RATE_TYPES)
    df = _to_pandas(frame)
    x = _column(df, numerator)
    derived = _rate_denominator(df, x, rate, denominator, rate_type, multiplier) / years_of_data
    chart = _column(df, rate)
    if rate_type == "dsr":
        chart = np.where(x < _DSR_MIN_EVENTS, np.nan, chart)
        derived = np.where(x < _DSR_MIN_EVENTS, np.nan, derived)
    result = df.copy()
    result[f"{rate}_chart"] = chart
    result["denominator_derived"] = derived
    return _like(result, frame)
