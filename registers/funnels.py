"""Funnel-plot control limits, for comparing facilities or okrugs against a target.

Method (PHE technical guidance "Funnel plots"; Spiegelhalter 2005, Statistics in Medicine 24:1185) and
the choices PHEindicatormethods' `calculate_funnel_limits` makes:

- proportions: Wilson score limits around the target. The control limit at denominator n is the observed
  proportion whose Wilson interval just reaches the target; since Wilson's interval inverts the score test,
  that is target +/- z * sqrt(target * (1 - target) / n), clipped to [0, 1]. PHEindicatormethods'
  `sigma_adjustment` is the same quantity written as the root of a quadratic (checked in the tests).
- rates and ratios: exact Poisson limits. With expected events E = target * n (n the population for a rate,
  the expected count for a ratio, where target is the ratio the units are compared with, usually 1), the
  lower limit is O/n for the count O whose exact upper limit equals E, chi2(1 - a/2; 2O + 2)/2 = E; the
  upper limit is O/n for the O whose exact lower limit equals E, chi2(a/2; 2O)/2 = E. PHEindicatormethods
  evaluates this at whole counts O; here O is solved continuously (scipy.special.gdtrib, the inverse of the
  gamma distribution in its shape), so the curve is smooth and passes through PHE's points.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import gdtrib

from registers.methods import (
    Confidence,
    _column,
    _levels,
    _like,
    _suffix,
    _to_pandas,
    _z,
)

__all__ = ["funnel_limits", "funnel_significance"]

_STATISTICS = ("proportion", "rate", "ratio")


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
    """Funnel-plot control limits around `target` at each of `denominators`.

    target: the plain proportion, rate per person, or ratio (not multiplied), e.g. sum(count)/sum(pop).
    denominators: populations (proportion, rate) or expected counts (ratio); e.g.
    `np.geomspace(min_pop, max_pop, 100)` for a smooth line. statistic: "proportion" (Wilson score) or
    "rate" / "ratio" (exact Poisson); see the module docstring for the method.
    Returns a pandas frame (polars with `polars=True`): `denominator`, `baseline` (target * multiplier),
    `lower<level>cl` / `upper<level>cl` for each confidence (95% and 99.8%: the 2- and 3-sigma lines),
    `method`.
    """
    if statistic not in _STATISTICS:
        raise ValueError(f"statistic must be one of {_STATISTICS}")
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


def funnel_significance(
    frame: Any,
    count: str,
    denominator: str,
    *,
    statistic: str = "proportion",
    target: float | None = None,
    multiplier: float = 1,
) -> Any:
    """Place each row (a facility, an okrug) on the funnel: is it outside the 95% or 99.8% control limits?

    denominator: population (proportion, rate) or expected count (ratio). target defaults to the pooled
    sum(count) / sum(denominator) of the frame (PHE's baseline). Adds `value` (count / denominator *
    multiplier) and `significance`: "High (0.001)", "High (0.025)", "Low (0.001)", "Low (0.025)" or
    "Not significant" (the labels of PHEindicatormethods' `assign_funnel_significance`: 0.001 and 0.025 are
    the one-sided tail beyond the 99.8% and 95% limits).
    """
    if statistic not in _STATISTICS:
        raise ValueError(f"statistic must be one of {_STATISTICS}")
    df = _to_pandas(frame)
    x, n = _column(df, count), _column(df, denominator)
    if np.any(x < 0):
        raise ValueError("numerators must all be greater than or equal to zero")
    if np.any(n <= 0):
        raise ValueError("denominators must all be greater than zero")
    if target is None:
        target = float(np.nansum(x) / np.nansum(n))
    p = x / n
    lo95, hi95 = _limits(statistic, target, n, 0.95)
    lo998, hi998 = _limits(statistic, target, n, 0.998)
    label = np.select(
        [p < lo998, p < lo95, p > hi998, p > hi95],
        ["Low (0.001)", "Low (0.025)", "High (0.001)", "High (0.025)"],
        default="Not significant",
    ).astype(object)
    label[np.isnan(p)] = None
    result = df.copy()
    result["value"] = p * multiplier
    result["significance"] = label
    return _like(result, frame)
