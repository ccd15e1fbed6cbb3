"""Epidemiology methods: rates, proportions, standardised rates and their confidence limits.

The methods follow the public-health statistics used in official English reports (UKHSA Fingertips
"Public health methods" technical guidance) and reproduce the expected values published with UKHSA's R
package PHEindicatormethods (tests in tests/unit/registers/), so a rate on an EMIAS dashboard means the same
as the same rate in an official report.

Two layers:
- array functions (`byars`, `exact_poisson`, `poisson_limits`, `wilson`): numpy in, numpy out, any shape;
- frame functions (`crude_rate`, `proportion`, `dsr`, `isr`; the funnels in registers/funnels.py and
  `suppress_small`): a pandas or polars frame in, a frame of the same kind out, one row per input row or per
  group of `by`.

Confidence is given as a fraction (0.95, 0.998) or a percentage (95, 99.8); several levels at once give
columns `lower95_0cl`, `upper95_0cl`, `lower99_8cl`, `upper99_8cl` (the names PHEindicatormethods uses).
Missing counts (null/NaN) propagate to missing results except inside standardisation, where a missing
band count is an empty band (treated as 0), as PHEindicatormethods does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import chi2, norm

__all__ = [
    "ESP2013",
    "StandardPopulation",
    "byars",
    "byars_lower",
    "byars_upper",
    "crude_rate",
    "dsr",
    "exact_poisson",
    "isr",
    "poisson_limits",
    "proportion",
    "rate_summary",
    "wilson",
    "wilson_lower",
    "wilson_upper",
]

Confidence = float | Sequence[float]


# --------------------------------------------------------------------------------------------------
# Standard populations
# --------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class StandardPopulation:
    """A standard population: age-band labels and their weights, youngest band first."""

    name: str
    bands: tuple[str, ...]
    weights: tuple[float, ...]

    def __post_init__(self) -> None:
        if len(self.bands) != len(self.weights):
            raise ValueError(f"{self.name}: {len(self.bands)} bands but {len(self.weights)} weights")

    def __len__(self) -> int:
        return len(self.weights)


#: European Standard Population 2013 (Eurostat, "Revision of the European Standard Population", 2013),
#: 19 five-year bands 0-4 ... 85-89 and 90+, total 100,000. The standard of English and EU DSRs since 2014.
ESP2013 = StandardPopulation(
    name="ESP2013",
    bands=tuple(f"{a}-{a + 4}" for a in range(0, 90, 5)) + ("90+",),
    weights=(
        5000,
        5500,
        5500,
        5500,
        6000,
        6000,
        6500,
        7000,
        7000,
        7000,
        7000,
        6500,
        6000,
        5500,
        5000,
        4000,
        2500,
        1500,
        1000,
    ),  # fmt: skip
)


# --------------------------------------------------------------------------------------------------
# Array functions
# --------------------------------------------------------------------------------------------------
def _levels(confidence: Confidence) -> list[float]:
    """Confidence levels as fractions; 95 and 0.95 both mean 95%. Refuses levels outside [0.9, 1)."""
    values = [confidence] if np.isscalar(confidence) else list(confidence)  # type: ignore[list-item]
    out = []
    for c in values:
        c = float(c)
        if c >= 1.0:
            c = c / 100.0
        if not 0.9 <= c < 1.0:
            raise ValueError(f"confidence must be between 0.9 and 1 (or 90 and 100), got {c}")
        out.append(c)
    return out


def _single(confidence: Confidence) -> float:
    levels = _levels(confidence)
    if len(levels) != 1:
        raise ValueError("this function takes a single confidence level")
    return levels[0]


def _z(confidence: float) -> float:
    """Two-sided normal quantile for a confidence level (1.959964 for 95%, 3.090232 for 99.8%)."""
    return float(norm.ppf(1.0 - (1.0 - confidence) / 2.0))


def _suffix(confidence: float) -> str:
    """Column suffix as PHEindicatormethods writes it: 0.95 -> '95_0cl', 0.998 -> '99_8cl'."""
    return f"{confidence * 100:.1f}".replace(".", "_") + "cl"


def _arr(x: Any) -> np.ndarray:
    return np.asarray(x, dtype=float)


def _check_non_negative(x: np.ndarray, what: str) -> None:
    if np.any(x < 0):  # NaN compares False: missing values pass through
        raise ValueError(f"{what} must all be greater than or equal to zero")


def byars_lower(x: Any, confidence: float = 0.95) -> np.ndarray:
    """Lower confidence limit of a Poisson count by Byar's approximation.

    lower = x * (1 - 1/(9x) - z/(3*sqrt(x)))**3  (Breslow & Day 1987, vol. II, p. 69; PHE technical guidance).
    Returns 0 for x = 0 and NaN where the bracket is negative (x = 1 at 99.8%): the approximation breaks
    down there and PHEindicatormethods' published table leaves that cell empty; use `exact_poisson` for
    small counts (`poisson_limits` switches automatically).
    """
    x = _arr(x)
    _check_non_negative(x, "observed events")
    z = _z(_single(confidence))
    with np.errstate(divide="ignore", invalid="ignore"):
        base = 1.0 - 1.0 / (9.0 * x) - z / (3.0 * np.sqrt(x))
        out = np.where(base < 0, np.nan, x * base**3)
    return np.where(x == 0, 0.0, out)


def byars_upper(x: Any, confidence: float = 0.95) -> np.ndarray:
    """Upper confidence limit of a Poisson count by Byar's approximation.

    upper = (x+1) * (1 - 1/(9(x+1)) + z/(3*sqrt(x+1)))**3  (Breslow & Day 1987; PHE technical guidance).
    """
    x = _arr(x)
    _check_non_negative(x, "observed events")
    z = _z(_single(confidence))
    y = x + 1.0
    return y * (1.0 - 1.0 / (9.0 * y) + z / (3.0 * np.sqrt(y))) ** 3


def byars(x: Any, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Byar's (lower, upper) limits of a Poisson count; see `byars_lower`, `byars_upper`."""
    return byars_lower(x, confidence), byars_upper(x, confidence)


def exact_poisson(x: Any, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Exact (Garwood 1936) limits of a Poisson count from the chi-square distribution.

    lower = chi2(alpha/2; 2x) / 2, upper = chi2(1 - alpha/2; 2x + 2) / 2, lower = 0 when x = 0.
    Non-integer x is accepted (the chi-square quantile is defined for any degrees of freedom).
    """
    x = _arr(x)
    _check_non_negative(x, "observed events")
    alpha = 1.0 - _single(confidence)
    with np.errstate(invalid="ignore"):
        lower = np.where(x == 0, 0.0, chi2.ppf(alpha / 2.0, 2.0 * np.where(x == 0, 1.0, x)) / 2.0)
        upper = chi2.ppf(1.0 - alpha / 2.0, 2.0 * x + 2.0) / 2.0
    lower = np.where(np.isnan(x), np.nan, lower)
    return lower, upper


def poisson_limits(
    x: Any, confidence: float = 0.95, exact_below: float = 10
) -> tuple[np.ndarray, np.ndarray]:
    """Limits of a Poisson count as PHE reports them: exact below `exact_below` (10) events, else Byar's.

    Byar's approximation is within a fraction of a percent of the exact limits from 10 events and is the
    method of the PHE technical guidance for crude rates and indirectly standardised ratios.
    """
    x = _arr(x)
    exact_lo, exact_hi = exact_poisson(x, confidence)
    byars_lo, byars_hi = byars(x, confidence)
    small = x < exact_below
    return np.where(small, exact_lo, byars_lo), np.where(small, exact_hi, byars_hi)


def _poisson_method(x: np.ndarray, exact_below: float = 10) -> np.ndarray:
    return np.where(np.isnan(x), None, np.where(x < exact_below, "Exact", "Byars")).astype(object)


def wilson_lower(x: Any, n: Any, confidence: float = 0.95) -> np.ndarray:
    """Lower Wilson score limit of a proportion x/n (Wilson 1927; Newcombe 1998 method 3).

    (2x + z^2 - z*sqrt(z^2 + 4x(1 - x/n))) / (2(n + z^2)).
    """
    return _wilson(x, n, confidence, -1.0)


def wilson_upper(x: Any, n: Any, confidence: float = 0.95) -> np.ndarray:
    """Upper Wilson score limit of a proportion x/n: (2x + z^2 + z*sqrt(z^2 + 4x(1 - x/n))) / (2(n + z^2))."""
    return _wilson(x, n, confidence, 1.0)


def wilson(x: Any, n: Any, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score (lower, upper) limits of a proportion x/n, as fractions (0..1)."""
    return wilson_lower(x, n, confidence), wilson_upper(x, n, confidence)


def _wilson(x: Any, n: Any, confidence: float, sign: float) -> np.ndarray:
    x, n = np.broadcast_arrays(_arr(x), _arr(n))
    _check_non_negative(x, "numerators")
    if np.any(n <= 0):
        raise ValueError("denominators must all be greater than zero")
    if np.any(x > n):
        raise ValueError("numerators must be less than or equal to denominators for a proportion")
    z = _z(_single(confidence))
    limit = (2 * x + z**2 + sign * z * np.sqrt(z**2 + 4 * x * (1 - x / n))) / (2 * (n + z**2))
    # At x = 0 and x = n the formula is exactly 0 and 1; say so rather than leave a rounding error.
    edge = (x == 0) if sign < 0 else (x == n)
    return np.where(edge, 0.0 if sign < 0 else 1.0, limit)


# --------------------------------------------------------------------------------------------------
# Frame plumbing: pandas and polars in, the same kind out. Computation happens on pandas/numpy; a polars
# frame is converted at the boundary (the frames these functions see are aggregates: small).
# --------------------------------------------------------------------------------------------------
def _is_polars(frame: Any) -> bool:
    return type(frame).__module__.split(".")[0] == "polars"


def _to_pandas(frame: Any) -> pd.DataFrame:
    if isinstance(frame, pd.DataFrame):
        return frame
    if _is_polars(frame):
        return frame.to_pandas()
    raise TypeError(f"expected a pandas or polars DataFrame, got {type(frame).__name__}")


def _like(result: pd.DataFrame, frame: Any) -> Any:
    if _is_polars(frame):
        import polars as pl

        return pl.from_pandas(result)
    return result


def _column(df: pd.DataFrame, name: str) -> np.ndarray:
    if name not in df.columns:
        raise KeyError(f"column {name!r} not in frame (columns: {list(df.columns)})")
    return pd.to_numeric(df[name], errors="raise").to_numpy(dtype=float, na_value=np.nan)


def _keys(by: str | Sequence[str] | None) -> list[str]:
    if by is None:
        return []
    return [by] if isinstance(by, str) else list(by)


def _aggregate(df: pd.DataFrame, by: list[str], columns: list[str]) -> pd.DataFrame:
    """Sum `columns` by `by` (groups in order of first appearance); without `by`, the frame as it is.

    A group whose values are all missing sums to missing, not to a silent zero.
    """
    if not by:
        return df.reset_index(drop=True).copy()
    grouped = df.groupby(by, sort=False, dropna=False)[columns].sum(min_count=1)
    return grouped.reset_index()


def _add_limits(
    out: dict[str, Any], levels: list[float], lower: dict[float, np.ndarray], upper: dict[float, np.ndarray]
) -> None:
    for c in levels:
        out[f"lower{_suffix(c)}"] = lower[c]
        out[f"upper{_suffix(c)}"] = upper[c]


def _finish(base: pd.DataFrame, out: dict[str, Any], frame: Any) -> Any:
    result = base.copy()
    for name, values in out.items():
        result[name] = values
    return _like(result, frame)


def _confidence_label(levels: list[float]) -> str:
    return ", ".join(f"{c * 100:g}%" for c in levels)


# --------------------------------------------------------------------------------------------------
# Crude rates and proportions
# --------------------------------------------------------------------------------------------------
def crude_rate(
    frame: Any,
    count: str,
    population: str,
    *,
    by: str | Sequence[str] | None = None,
    multiplier: float = 100_000,
    confidence: Confidence = (0.95, 0.998),
) -> Any:
    """Crude rate count / population * multiplier with Poisson limits (PHE technical guidance, "Crude rates").

    Limits are exact (chi-square, Garwood) for counts below 10 and Byar's approximation from 10 up, as
    PHEindicatormethods' `phe_rate` / `calculate_rate`. With `by`, counts and populations are summed by group
    first. Returns the frame (or the groups) with `value`, `lower<level>cl` / `upper<level>cl`, `method`,
    `confidence` and `multiplier` columns. A missing count or population gives a missing rate.
    """
    levels = _levels(confidence)
    base = _aggregate(_to_pandas(frame), _keys(by), [count, population])
    x, n = _column(base, count), _column(base, population)
    _check_non_negative(x, "numerators")
    if np.any(n <= 0):
        raise ValueError("denominators must all be greater than zero")
    lower, upper = {}, {}
    for c in levels:
        lo, hi = poisson_limits(x, c)
        lower[c], upper[c] = lo / n * multiplier, hi / n * multiplier
    out: dict[str, Any] = {"value": x / n * multiplier}
    _add_limits(out, levels, lower, upper)
    out |= {"method": _poisson_method(x), "confidence": _confidence_label(levels), "multiplier": multiplier}
    return _finish(base, out, frame)


def proportion(
    frame: Any,
    count: str,
    denominator: str,
    *,
    by: str | Sequence[str] | None = None,
    multiplier: float = 1,
    confidence: Confidence = (0.95, 0.998),
) -> Any:
    """Proportion count / denominator with Wilson score limits (PHE technical guidance, "Proportions").

    multiplier 1 gives a proportion, 100 a percentage. Same output shape as `crude_rate`; missing inputs
    give missing results. Raises when a numerator exceeds its denominator.
    """
    levels = _levels(confidence)
    base = _aggregate(_to_pandas(frame), _keys(by), [count, denominator])
    x, n = _column(base, count), _column(base, denominator)
    lower, upper = {}, {}
    for c in levels:
        lo, hi = wilson(x, n, c)
        lower[c], upper[c] = lo * multiplier, hi * multiplier
    out: dict[str, Any] = {"value": x / n * multiplier}
    _add_limits(out, levels, lower, upper)
    out |= {"method": "Wilson", "confidence": _confidence_label(levels), "multiplier": multiplier}
    return _finish(base, out, frame)


# --------------------------------------------------------------------------------------------------
# Standardisation
# --------------------------------------------------------------------------------------------------
def _band_position(df: pd.DataFrame, by: list[str], age_band: str | None, bands: Sequence[str] | None):
    """Position of each row's age band inside its group.

    Without `age_band` the rows are taken in the order they come (youngest first), which is how the
    published test inputs must be read: their labels have typing slips ('55-69' for '55-59') and other
    band systems ('85+' as the last of 18 bands in ESP 1976). With `age_band`, the label is looked up in
    `bands` (the standard's labels), so rows may come in any order.
    """
    if age_band is not None:
        if bands is None:
            raise ValueError("age_band needs a StandardPopulation (with band labels) as the standard")
        index = {label: i for i, label in enumerate(bands)}
        labels = df[age_band].astype(str)
        unknown = sorted(set(labels) - set(index))
        if unknown:
            raise ValueError(f"age bands {unknown} are not bands of the standard {list(bands)}")
        if labels.to_frame().assign(**{k: df[k] for k in by}).duplicated().any():
            raise ValueError(f"an age band appears twice in a group (column {age_band!r})")
        return labels.map(index).to_numpy(dtype=int)
    if not by:
        return np.arange(len(df))
    return df.groupby(by, sort=False, dropna=False).cumcount().to_numpy()


def _group_sizes_ok(df: pd.DataFrame, by: list[str], size: int, what: str) -> None:
    sizes = df.groupby(by, sort=False, dropna=False).size() if by else pd.Series([len(df)])
    if (sizes != size).any():
        raise ValueError(
            f"each group must have one row per age band of the {what} ({size}); got {sorted(set(sizes))}"
        )


def dsr(
    frame: Any,
    count: str,
    population: str,
    *,
    by: str | Sequence[str] | None = None,
    standard: StandardPopulation | Sequence[float] | str = ESP2013,
    age_band: str | None = None,
    multiplier: float = 100_000,
    confidence: Confidence = (0.95, 0.998),
    min_count: float = 10,
) -> Any:
    """Directly standardised rate with Dobson et al. (1991) limits (PHE technical guidance, "DSRs").

    DSR = sum_i(w_i * x_i / n_i) / sum_i(w_i) * multiplier over age bands i of each group (`by`), with
    standard weights w_i (default the European Standard Population 2013; or a `StandardPopulation`, a list
    of weights, or the name of a column holding each row's weight). Dobson limits scale the Byar's limits of
    the total count O = sum(x_i): DSR + sqrt(var(DSR) / O) * (limit(O) - O), var(DSR) = sum(w_i^2 x_i / n_i^2)
    / sum(w_i)^2. The DSR and its limits are not applicable (NaN, `statistic` "dsr NA for total count <
    10", PHE's words) when the total count is below `min_count` (10), the PHE rule; on a funnel such a
    unit is `registers.DSR_NOT_APPLICABLE`. A missing band count counts as 0 events. Bands are matched to
    the standard by position inside each group unless `age_band` names a column of the standard's labels.
    Returns one row per group: `total_count`, `total_pop`, `value`, limits, `confidence`, `statistic`,
    `method`.
    """
    levels = _levels(confidence)
    keys = _keys(by)
    df = _to_pandas(frame).reset_index(drop=True)
    x = np.nan_to_num(_column(df, count), nan=0.0)
    n = _column(df, population)
    _check_non_negative(x, "numerators")
    _check_non_negative(n, "denominators")
    if isinstance(standard, str):
        w = _column(df, standard)
    else:
        weights = np.asarray(
            standard.weights if isinstance(standard, StandardPopulation) else standard, float
        )
        bands = standard.bands if isinstance(standard, StandardPopulation) else None
        # One row per band in every group, whether bands are matched by position or by label.
        _group_sizes_ok(df, keys, len(weights), "standard population")
        w = weights[_band_position(df, keys, age_band, bands)]
    if np.any((x > 0) & ~(n > 0)):
        raise ValueError("a band with events has no population (zero or missing): the rate is undefined")
    # A band with no events contributes nothing, whatever its population (0/0 would be NaN).
    with np.errstate(divide="ignore", invalid="ignore"):
        term = np.where(x == 0, 0.0, w * x / n)
        var_term = np.where(x == 0, 0.0, w**2 * x / n**2)
    work = df[keys].copy() if keys else pd.DataFrame(index=df.index)
    work = work.assign(total_count=x, total_pop=n, _w=w, _term=term, _var=var_term)
    if keys:
        agg = work.groupby(keys, sort=False, dropna=False).sum().reset_index()
    else:
        agg = work.sum().to_frame().T
    total, sum_w = agg["total_count"].to_numpy(float), agg["_w"].to_numpy(float)
    value = agg["_term"].to_numpy(float) / sum_w
    var = agg["_var"].to_numpy(float) / sum_w**2
    reported = total >= min_count
    out: dict[str, Any] = {"value": np.where(reported, value * multiplier, np.nan)}
    lower, upper = {}, {}
    for c in levels:
        lo, hi = byars(total, c)
        with np.errstate(divide="ignore", invalid="ignore"):
            scale = np.sqrt(var / total)
            lower[c] = np.where(reported, (value + scale * (lo - total)) * multiplier, np.nan)
            upper[c] = np.where(reported, (value + scale * (hi - total)) * multiplier, np.nan)
    _add_limits(out, levels, lower, upper)
    out |= {
        "confidence": _confidence_label(levels),
        "statistic": np.where(reported, f"dsr per {multiplier:g}", f"dsr NA for total count < {min_count:g}"),
        "method": "Dobson",
    }
    base = agg.drop(columns=["_w", "_term", "_var"])
    return _finish(base, out, frame)


def isr(
    frame: Any,
    count: str,
    population: str,
    *,
    ref_count: Sequence[float] | str,
    ref_population: Sequence[float] | str,
    by: str | Sequence[str] | None = None,
    statistic: str = "rate",
    age_band: str | None = None,
    bands: Sequence[str] = ESP2013.bands,
    multiplier: float | None = None,
    confidence: Confidence = (0.95, 0.998),
) -> Any:
    """Indirectly standardised rate or ratio (PHE technical guidance, "ISRs and SMRs").

    Expected events E = sum_i(n_i * X_i / N_i) over age bands i, from reference counts X_i and populations
    N_i (sequences in band order, or names of columns of the frame). Observed O = sum_i(x_i).
    statistic="ratio": O / E * multiplier (default 1; 100 for an SMR-style index).
    statistic="rate": O / E * (sum X / sum N) * multiplier (default 100,000), the reference rate scaled.
    Limits are those of O (exact Poisson below 10 events, Byar's from 10, as `poisson_limits`) divided by E.
    Bands match the reference by position inside each group unless `age_band` names a column whose labels
    are looked up in `bands`. Missing counts or populations in a band count as 0.
    Returns one row per group: `observed`, `expected`, `ref_rate` (rates only), `value`, limits, `method`,
    `confidence`, `statistic`.
    """
    if statistic not in ("rate", "ratio"):
        raise ValueError("statistic must be 'rate' or 'ratio'")
    if multiplier is None:
        multiplier = 100_000 if statistic == "rate" else 1
    levels = _levels(confidence)
    keys = _keys(by)
    df = _to_pandas(frame).reset_index(drop=True)
    x = np.nan_to_num(_column(df, count), nan=0.0)
    n = np.nan_to_num(_column(df, population), nan=0.0)
    _check_non_negative(x, "numerators")
    _check_non_negative(n, "denominators")
    if isinstance(ref_count, str) != isinstance(ref_population, str):
        raise ValueError("give ref_count and ref_population both as column names or both as sequences")
    if isinstance(ref_count, str):
        rx = np.nan_to_num(_column(df, ref_count), nan=0.0)
        rn = _column(df, ref_population)  # type: ignore[arg-type]
        row_rx, row_rn = rx, rn
    else:
        rx = np.nan_to_num(_arr(ref_count), nan=0.0)
        rn = _arr(ref_population)
        if len(rx) != len(rn):
            raise ValueError("ref_count and ref_population must have the same length")
        if age_band is None:
            _group_sizes_ok(df, keys, len(rx), "reference")
        pos = _band_position(df, keys, age_band, bands)
        row_rx, row_rn = rx[pos], rn[pos]
    with np.errstate(divide="ignore", invalid="ignore"):
        expected_term = np.where(n == 0, 0.0, n * row_rx / row_rn)
    work = df[keys].copy() if keys else pd.DataFrame(index=df.index)
    work = work.assign(observed=x, expected=expected_term, _rx=row_rx, _rn=np.nan_to_num(row_rn, nan=0.0))
    if keys:
        agg = work.groupby(keys, sort=False, dropna=False).sum().reset_index()
    else:
        agg = work.sum().to_frame().T
    obs, exp = agg["observed"].to_numpy(float), agg["expected"].to_numpy(float)
    if isinstance(ref_count, str):
        ref_rate = agg["_rx"].to_numpy(float) / agg["_rn"].to_numpy(float)
    else:
        # One reference for all groups: the overall reference rate, bands with missing data left out.
        ref_rate = np.full(len(agg), np.nansum(rx) / np.nansum(rn))
    scale = (ref_rate if statistic == "rate" else 1.0) * multiplier
    out: dict[str, Any] = {}
    if statistic == "rate":
        out["ref_rate"] = ref_rate * multiplier
    with np.errstate(divide="ignore", invalid="ignore"):
        out["value"] = obs / exp * scale
        lower, upper = {}, {}
        for c in levels:
            lo, hi = poisson_limits(obs, c)
            lower[c], upper[c] = lo / exp * scale, hi / exp * scale
    _add_limits(out, levels, lower, upper)
    label = f"indirectly standardised {statistic} " + (
        f"per {multiplier:g}" if statistic == "rate" else f"x {multiplier:g}"
    )
    out |= {"method": _poisson_method(obs), "confidence": _confidence_label(levels), "statistic": label}
    base = agg.drop(columns=["_rx", "_rn"])
    return _finish(base, out, frame)


def rate_summary(
    frame: Any,
    count: str,
    population: str,
    *,
    by: str | Sequence[str] | None = None,
    age_band: str | None = None,
    standard: StandardPopulation | Sequence[float] | str = ESP2013,
    multiplier: float = 100_000,
    confidence: Confidence = 0.95,
    min_count: float = 10,
) -> Any:
    """Count, population, crude rate and DSR with their limits, one row per group: the prevalence table.

    frame holds one row per group x age band (e.g. a register-prevalence mart: okrug x sex x 5-year band
    with the population denominator). Crude rate as `crude_rate` (columns prefixed `crude_`), directly
    standardised rate as `dsr` (prefixed `dsr_`; NaN below `min_count` events).
    """
    keys = _keys(by)
    df = _to_pandas(frame)
    crude = crude_rate(df, count, population, by=keys or None, multiplier=multiplier, confidence=confidence)
    if not keys:
        crude = crude[[count, population]].sum().to_frame().T
        crude = crude_rate(crude, count, population, multiplier=multiplier, confidence=confidence)
    std = dsr(
        df,
        count,
        population,
        by=keys or None,
        standard=standard,
        age_band=age_band,
        multiplier=multiplier,
        confidence=confidence,
        min_count=min_count,
    )
    limit_cols = [c for c in crude.columns if c.startswith(("lower", "upper"))]
    crude = crude[[*keys, count, population, "value", *limit_cols]].rename(
        columns={c: f"crude_{c}" for c in ["value", *limit_cols]}
    )
    std = std[[*keys, "value", *limit_cols]].rename(columns={c: f"dsr_{c}" for c in ["value", *limit_cols]})
    result = crude.merge(std, on=keys, how="left") if keys else pd.concat([crude, std], axis=1)
    return _like(result.reset_index(drop=True), frame)
