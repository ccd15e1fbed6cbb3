"""Register epidemiology from the warehouse: prevalence, incidence and dispensary coverage with limits.

What an epidemiologist calls from a notebook::

    from registers import prevalence, incidence, coverage
    prevalence("diabetes", year=2025, by="okrug", standardise="esp2013")

Each function reads one register mart through `warehouse.read_mart` (never the raw tables) and returns a
pandas frame with one row per register x year x group, computed with the methods of `registers.methods`:

- `prevalence`: patients alive and on the register at the year's reference date (31 December, or the last
  day with data in a year still in progress) over the residents at the start of the year; crude rate with
  exact/Byar's limits and the directly standardised rate (ESP 2013) with Dobson limits, per 100,000;
- `incidence`: new cases (entries with a first-time diagnosis; or every new registration) in the year over
  the same population, with the same rates;
- `coverage`: shares of the registered patients with a dispensary visit for the register, and with a
  prescription of the register's guideline drug group, in the 12 months to the reference date (Wilson limits).

The population at risk is the register's age range (its `min_age`/`max_age`, or `ages=` to choose another):
5-year bands outside it are left out, and a band the limit cuts through keeps the in-range share of its
residents (ages taken as evenly spread inside the band: 18+ keeps 2/5 of the 15-19 band). The standard
population is restricted to the same bands.

Small numbers, as published outputs must show them (`suppress=True`, the default): the DSR is not reported
below 10 events (`dsr_note` says so), and counts below 5 are suppressed by
`registers.suppress_complementary` (null with a `<count>_suppressed` flag; the rates and limits of the row are
nulled with them), with secondary suppression so that none can be had back by subtraction: from the totals
of the same function called with fewer groups (the okrugs add up to the city, each margin of a sex x age
table to its total) or, for coverage, from the registered patients minus those with a visit or a
prescription. Pass `suppress=False` for analysis that stays inside the warehouse.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from registers.methods import ESP2013, StandardPopulation, crude_rate, proportion, rate_summary
from registers.suppression import margins, suppress_complementary

__all__ = ["available_registers", "coverage", "coverage_disclosure", "incidence", "prevalence"]

PREVALENCE_MART = "mart_register_prevalence"
INCIDENCE_MART = "mart_register_incidence"
COVERAGE_MART = "mart_register_coverage"
REGISTERS_MART = "dim_registers"

#: Names a caller may use in `by`, and the mart column each stands for.
GROUPS = {"okrug": "okrug_id", "okrug_id": "okrug_id", "sex": "sex", "age_band": "age_band"}
STANDARDS = {"esp2013": ESP2013}
DSR_MIN_EVENTS = 10
SUPPRESS_BELOW = 5
_OLDEST = 99  # the open band 90+ is taken as 90-99 when an age limit falls inside it


def _read(name: str, filters: dict[str, Any], **kwargs: Any) -> pd.DataFrame:
    from warehouse import read_mart  # readers go through the read API only

    df = read_mart(name, filters=filters, frame="pandas", **kwargs)
    # PostgreSQL sums come back as NUMERIC (Python Decimal): make them plain numbers for the methods
    for col in df.columns:
        values = df[col].dropna()
        if df[col].dtype == object and len(values) and isinstance(values.iloc[0], Decimal):
            df[col] = pd.to_numeric(df[col])
    return df


def available_registers(**kwargs: Any) -> pd.DataFrame:
    """The registers in the warehouse (`dim_registers`): codes, titles, age limits, targets."""
    return _read(REGISTERS_MART, {}, order_by=["register_code"], **kwargs)


def _filters(register: str | Sequence[str] | None, year: int | Sequence[int] | None) -> dict[str, Any]:
    filters: dict[str, Any] = {}
    if register is not None:
        filters["register_code"] = register if isinstance(register, str) else list(register)
    if year is not None:
        filters["year"] = int(year) if isinstance(year, int | np.integer) else [int(y) for y in year]
    return filters


def _group_keys(by: str | Sequence[str] | None) -> list[str]:
    names = [] if by is None else [by] if isinstance(by, str) else list(by)
    unknown = [n for n in names if n not in GROUPS]
    if unknown:
        raise ValueError(f"cannot group by {unknown}; choose from {sorted(set(GROUPS))}")
    return ["register_code", "year", *dict.fromkeys(GROUPS[n] for n in names)]


def _band_bounds(label: str) -> tuple[int, int]:
    if label.endswith("+"):
        return int(label[:-1]), _OLDEST
    lo, hi = label.split("-")
    return int(lo), int(hi)


def _age_share(labels: pd.Series, min_age: Any, max_age: Any) -> np.ndarray:
    """Share of each band's ages inside [min_age, max_age] (None or NaN: open)."""
    lo_limit = 0 if min_age is None or pd.isna(min_age) else int(min_age)
    hi_limit = _OLDEST if max_age is None or pd.isna(max_age) else int(max_age)
    shares = []
    for label in labels:
        lo, hi = _band_bounds(str(label))
        inside = max(0, min(hi, hi_limit) - max(lo, lo_limit) + 1)
        shares.append(inside / (hi - lo + 1))
    return np.asarray(shares, dtype=float)


def _at_risk(df: pd.DataFrame, ages: tuple[Any, Any] | None, con_kwargs: dict[str, Any]) -> pd.DataFrame:
    """Keep the bands of each register's age range; scale the population of a band cut by the range."""
    limits = available_registers(**con_kwargs).set_index("register_code")[["min_age", "max_age"]]
    parts = []
    for code, part in df.groupby("register_code", sort=False):
        if ages is not None:
            lo, hi = ages
        elif code in limits.index:
            lo, hi = limits.loc[code, "min_age"], limits.loc[code, "max_age"]
        else:
            lo, hi = None, None
        share = _age_share(part["age_band"], lo, hi)
        part = part.assign(population=part["population"] * share)[share > 0]
        parts.append(part)
    return pd.concat(parts, ignore_index=True) if parts else df


def _standard(name: str | StandardPopulation | None, bands: Sequence[str]) -> StandardPopulation | None:
    if name is None or isinstance(name, StandardPopulation):
        base = name
    else:
        if str(name).lower() not in STANDARDS:
            raise ValueError(f"unknown standard {name!r}; choose from {sorted(STANDARDS)} or give one")
        base = STANDARDS[str(name).lower()]
    if base is None:
        return None
    weights = dict(zip(base.bands, base.weights, strict=True))
    kept = [b for b in base.bands if b in set(bands)]
    return StandardPopulation(
        f"{base.name} {kept[0]}..{kept[-1]}", tuple(kept), tuple(weights[b] for b in kept)
    )


def _crude_only(by_band: pd.DataFrame, count: str, keys: list[str], confidence: float) -> pd.DataFrame:
    out = crude_rate(by_band, count, "population", by=keys, confidence=confidence)
    limits = [c for c in out.columns if c.startswith(("lower", "upper"))]
    out = out[[*keys, count, "population", "value", *limits]]
    return out.rename(columns={"value": "crude_rate", **{c: f"crude_{c}" for c in limits}})


def _rates(
    df: pd.DataFrame,
    count: str,
    keys: list[str],
    standardise: str | StandardPopulation | None,
    confidence: float,
    suppress: bool,
) -> pd.DataFrame:
    """Crude rate and DSR per group of `keys` from rows of (keys x age band)."""
    by_band = df.groupby([*keys, "age_band"], as_index=False)[[count, "population"]].sum()
    # a group with nobody at risk has no rate (a register whose age range is outside the data)
    totals = by_band.groupby(keys)["population"].transform("sum")
    by_band = by_band[totals > 0]
    if by_band.empty:
        raise LookupError("no population at risk for this selection (check the register, year and ages)")
    standard = None if "age_band" in keys else _standard(standardise, sorted(set(by_band["age_band"])))
    if standard is not None:
        # every group needs every band of the standard, with 0 events where there were none
        grid = (
            by_band[keys]
            .drop_duplicates()
            .merge(pd.DataFrame({"age_band": list(standard.bands)}), how="cross")
        )
        by_band = grid.merge(by_band, on=[*keys, "age_band"], how="left").fillna({count: 0, "population": 0})
        # patients in a band with no residents at the start of the year (someone who turned 90 in a small
        # okrug) leave that group's DSR undefined: it gets the crude rate only, and a note saying why
        orphan = (by_band[count] > 0) & (by_band["population"] <= 0)
        bad = by_band.loc[orphan, keys].drop_duplicates().assign(_bad=True)
        by_band = by_band.merge(bad, on=keys, how="left")
        is_bad = by_band.pop("_bad").fillna(False).astype(bool)
        parts = []
        for rows, with_dsr in ((by_band[~is_bad], True), (by_band[is_bad], False)):
            if rows.empty:
                continue
            part = (
                rate_summary(
                    rows,
                    count,
                    "population",
                    by=keys,
                    age_band="age_band",
                    standard=standard,
                    confidence=confidence,
                    min_count=DSR_MIN_EVENTS,
                )
                if with_dsr
                else _crude_only(rows, count, keys, confidence).rename(columns={"crude_rate": "crude_value"})
            )
            part["dsr_note"] = None if with_dsr else "not computed: patients in an age band with no residents"
            parts.append(part)
        out = pd.concat(parts, ignore_index=True)
        out = out.rename(columns=lambda c: c.replace("_value", "_rate") if c.startswith("crude_") else c)
        out = out.rename(columns={"dsr_value": "dsr"})
        too_few = out[count] < DSR_MIN_EVENTS
        out["dsr_note"] = out["dsr_note"].where(
            out["dsr_note"].notna() | ~too_few, f"not reported: fewer than {DSR_MIN_EVENTS} events"
        )
        for col in [c for c in out.columns if c.startswith("crude_")]:  # a DSR column even if none computed
            out[col.replace("crude_rate", "dsr").replace("crude_", "dsr_")] = out.get(
                col.replace("crude_rate", "dsr").replace("crude_", "dsr_"), np.nan
            )
        out["standard"] = standard.name
    else:
        out = _crude_only(by_band, count, keys, confidence)
    out = out.sort_values(keys, ignore_index=True)
    if suppress:
        rate_cols = [c for c in out.columns if c.startswith(("crude_", "dsr")) and c != "dsr_note"]
        out = suppress_complementary(out, count, SUPPRESS_BELOW, also=rate_cols, totals=_totals(keys))
    return out


def _totals(keys: list[str]) -> list[list[str]]:
    """The published totals a table by `keys` adds up to: the same call with one group fewer, within each
    register and year (`registers.margins`)."""
    base = ["register_code", "year"]
    return margins([k for k in keys if k not in base], within=base)


def prevalence(
    register: str | Sequence[str] | None = None,
    year: int | Sequence[int] | None = None,
    *,
    by: str | Sequence[str] | None = "okrug",
    standardise: str | StandardPopulation | None = "esp2013",
    ages: tuple[int | None, int | None] | None = None,
    confidence: float = 0.95,
    suppress: bool = True,
    **read_kwargs: Any,
) -> pd.DataFrame:
    """Register prevalence per 100,000 at risk, by register x year x `by` (okrug, sex, age_band).

    register: a code (or several; all when None); year: one, several or all. standardise: "esp2013", a
    `StandardPopulation`, or None for crude rates only (no DSR when grouping by age band). ages: the age range
    at risk, e.g. (40, None); default the register's own limits. Returns columns `registered_patients`,
    `population`, `crude_rate` with `crude_lower…`/`crude_upper…`, `dsr` with `dsr_lower…`/`dsr_upper…`,
    `dsr_note`, `standard`, and with `suppress` the `registered_patients_suppressed` flag.
    read_kwargs go to `warehouse.read_mart` (e.g. `target="postgres"`).
    """
    df = _read(PREVALENCE_MART, _filters(register, year), **read_kwargs)
    if df.empty:
        raise LookupError(f"nothing in {PREVALENCE_MART} for register={register!r}, year={year!r}")
    df = _at_risk(df, ages, read_kwargs)
    return _rates(df, "registered_patients", _group_keys(by), standardise, confidence, suppress)


def incidence(
    register: str | Sequence[str] | None = None,
    year: int | Sequence[int] | None = None,
    *,
    by: str | Sequence[str] | None = "okrug",
    count: str = "new_cases",
    standardise: str | StandardPopulation | None = "esp2013",
    ages: tuple[int | None, int | None] | None = None,
    confidence: float = 0.95,
    suppress: bool = True,
    **read_kwargs: Any,
) -> pd.DataFrame:
    """New cases (or `count="new_registrations"`) per 100,000 at risk a year, shaped like `prevalence`.

    A new case is an entry whose qualifying diagnosis was recorded as first-time; new registrations also
    count patients diagnosed before and first seen this year (the whole prevalent register, in the first
    year of data). Age is the age at entry. A year in progress counts entries up to its last day with data.
    """
    if count not in ("new_cases", "new_registrations"):
        raise ValueError("count must be 'new_cases' or 'new_registrations'")
    df = _read(INCIDENCE_MART, _filters(register, year), **read_kwargs)
    if df.empty:
        raise LookupError(f"nothing in {INCIDENCE_MART} for register={register!r}, year={year!r}")
    df = _at_risk(df, ages, read_kwargs)
    return _rates(df, count, _group_keys(by), standardise, confidence, suppress)


def coverage(
    register: str | Sequence[str] | None = None,
    year: int | Sequence[int] | None = None,
    *,
    by: str | Sequence[str] | None = "okrug",
    confidence: float = 0.95,
    suppress: bool = True,
    **read_kwargs: Any,
) -> pd.DataFrame:
    """Dispensary-observation coverage of the registered patients, as percentages with Wilson limits.

    Returns `registered_patients`, `with_dispensary_visit` and `visit_pct` (with `visit_lower…` and
    `visit_upper…`), `with_guideline_prescription` and `prescription_pct` (null for a register without
    guideline drug groups).
    With `suppress`, a count below 5 is flagged and nulled with the shares computed from it, and so is a count
    of patients with a visit (or prescription) whose difference from the registered is below 5 (registered 8,
    with a prescription 7: the 7 goes, else the 1 without is known); secondary cells keep the okrug totals
    from giving any back (`registers.suppress_complementary`).
    """
    df = _read(COVERAGE_MART, _filters(register, year), **read_kwargs)
    if df.empty:
        raise LookupError(f"nothing in {COVERAGE_MART} for register={register!r}, year={year!r}")
    keys = _group_keys(by)
    counts = ["registered_patients", "with_dispensary_visit", "with_guideline_prescription"]
    grouped = df.groupby(keys, as_index=False)[counts].sum(min_count=1).sort_values(keys, ignore_index=True)
    out = grouped.copy()
    for numerator, prefix in (
        ("with_dispensary_visit", "visit"),
        ("with_guideline_prescription", "prescription"),
    ):
        known = grouped[numerator].notna()
        out[f"{prefix}_pct"] = np.nan
        if known.any():
            share = proportion(
                grouped[known], numerator, "registered_patients", multiplier=100, confidence=confidence
            )
            limit_cols = [c for c in share.columns if c.startswith(("lower", "upper"))]
            out.loc[known, f"{prefix}_pct"] = share["value"].to_numpy()
            for c in limit_cols:
                out.loc[known, f"{prefix}_{c}"] = share[c].to_numpy()
    if suppress:
        out = suppress_complementary(out, counts, SUPPRESS_BELOW, **coverage_disclosure(out, keys))
    return out


def coverage_disclosure(frame: Any, keys: Sequence[str] = ()) -> dict[str, Any]:
    """The `suppress_complementary` arguments of a coverage table by `keys`: the shares nulled with their
    numerator and with the registered patients, the numerators nested in the registered patients, and the
    totals of `keys`' margins. For any publisher of `coverage(..., suppress=False)`."""
    visit = [c for c in frame.columns if c.startswith("visit_")]
    prescription = [c for c in frame.columns if c.startswith("prescription_")]
    return {
        "also": {
            "registered_patients": [*visit, *prescription],
            "with_dispensary_visit": visit,
            "with_guideline_prescription": prescription,
        },
        "nested": [
            ("with_dispensary_visit", "registered_patients"),
            ("with_guideline_prescription", "registered_patients"),
        ],
        "totals": _totals(list(keys)),
    }
