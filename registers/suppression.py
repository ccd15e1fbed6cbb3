"""Small-number suppression for published aggregates: the one place the platform's readers suppress cells.

Policy (DESIGN.md "Privacy and access"): published aggregates do not show counts of fewer than 5 patients.
A suppressed cell is null, never a zero, and a boolean `<col>_suppressed` column says it was suppressed, so
a chart or table can show "suppressed" rather than "nothing".

`suppress_complementary` hides the small cells and the cells that would give a hidden one away by subtraction
(a part within its whole, a total beside its cells): what every publishing point uses. `suppress_small` is its
plain case (no totals, no parts), for a frame whose figures add up to nothing else published.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from registers.methods import _is_polars

__all__ = ["margins", "suppress_complementary", "suppress_small"]


def suppress_small(
    frame: Any,
    count_cols: str | Sequence[str],
    threshold: float = 5,
    *,
    also: Sequence[str] = (),
    keep_zero: bool = False,
) -> Any:
    """Null out counts below `threshold` and flag them in `<col>_suppressed`; pandas or polars in and out.

    count_cols: the count column(s) to check. A cell is suppressed when its value is below `threshold`
    (default 5; zero included unless `keep_zero=True`, since "nobody in this group" can disclose too).
    also: derived columns (rates, limits, percentages) nulled wherever any count of the row was suppressed,
    so a rate cannot give away the count behind it. Missing counts stay missing and are not flagged.
    Returns a new frame; the input is not changed. pandas columns become nullable (Int64/Float64) so the
    null is a real missing value, not NaN mistaken for a number.
    """
    return suppress_complementary(frame, count_cols, threshold, also=also, keep_zero=keep_zero)


def suppress_complementary(
    frame: Any,
    counts: str | Sequence[str],
    threshold: float = 5,
    *,
    also: Sequence[str] | Mapping[str, Sequence[str]] = (),
    totals: Sequence[Sequence[str]] = (),
    nested: Sequence[tuple[str, str]] = (),
    keep_zero: bool = False,
) -> Any:
    """Primary and secondary (complementary) suppression: no hidden count can be had back by subtraction.

    The method is the cell-suppression rule of the ONS and UKHSA disclosure-control guidance (ONS,
    "Statistical Disclosure Control for tables", secondary suppression): a count below `threshold` is hidden
    (primary), then further cells are hidden (secondary) until no hidden cell is the difference of published
    figures:

    - nested: (part, whole) pairs of count columns of one row, the part counted within the whole
      (`with_guideline_prescription` within `registered_patients`). The difference whole - part is as good as
      published, so when it is small the part is hidden too (registered 8, with a prescription 7: the 7 is
      hidden, else the 1 without is known); a small whole is hidden as a count in its own right.
    - totals: each entry names key columns; the rows that share their values add up to a total published
      beside the table (`[]`: all rows add up to one total, e.g. the okrugs to the city; `[["okrug_id"],
      ["specialty_id"]]`: both margins of an okrug x specialty table, see `margins`). In each such group a
      count column (and each nested difference) with exactly one hidden cell gets its smallest visible cell
      hidden too, so the total minus the visible cells gives only a sum of two hidden cells.
    - the two steps repeat until neither hides anything more (each secondary cell can start a new case).
      A secondary cell is never one that is alone in another line (it would be that line's published total)
      while another choice exists; a table whose every candidate is alone somewhere (one okrug, one category)
      has totals that are its cells, and those totals must be suppressed where they are published.

    Zeros: as `suppress_small` (hidden unless `keep_zero=True`), and the same for a difference: with the
    default a part equal to its whole ("all of them") is hidden, since it discloses as much as "none of them".
    also: derived columns (rates, shares, limits) nulled with the counts: a sequence is nulled wherever any
    count of the row is hidden; a mapping count -> columns nulls each list where its count is hidden (give a
    share under both its numerator and its denominator, since either with the share gives the other away).
    Every count column gets its `<col>_suppressed` flag (primary and secondary alike: one mark, so the mark
    itself does not tell which cells are below the threshold); missing counts stay missing and unflagged.

    The guarantee is the one the guidance's rule gives and tests/unit/registers test: no cell is the
    difference of a published total and published cells, however many such subtractions are chained. A
    full linear-programming attack on large two-way tables can in rare patterns narrow or recover a cell;
    tables that need that guarantee need an optimal-suppression tool (tau-Argus). Returns a new frame of the
    input's kind (pandas or polars); raises KeyError naming unknown columns.
    """
    if not (_is_polars(frame) or isinstance(frame, pd.DataFrame)):
        raise TypeError(f"expected a pandas or polars DataFrame, got {type(frame).__name__}")
    cols = [counts] if isinstance(counts, str) else list(counts)
    for part, whole in nested:
        cols += [c for c in (part, whole) if c not in cols]
    derived = dict(also) if isinstance(also, Mapping) else {c: list(also) for c in cols}
    lines = [list(keys) for keys in totals]
    wanted = {*cols, *(c for cs in derived.values() for c in cs), *(k for keys in lines for k in keys)}
    missing = sorted(c for c in wanted if c not in frame.columns)
    if missing:
        raise KeyError(f"columns {missing} not in frame")
    unknown = sorted(set(derived) - set(cols))
    if unknown:
        raise ValueError(f"`also` names {unknown}, which are not among the counts {cols}")
    values = {c: _as_floats(frame[c]) for c in cols}
    hidden = _hidden_cells(values, threshold, keep_zero, [_line_ids(frame, keys) for keys in lines], nested)
    nulled = {}
    for count, columns in derived.items():
        for c in columns:
            nulled[c] = nulled.get(c, np.zeros(len(frame), dtype=bool)) | hidden[count]
    if _is_polars(frame):
        import polars as pl

        out = frame.with_columns(pl.Series(f"{c}_suppressed", hidden[c]) for c in cols)
        return out.with_columns(
            pl.when(pl.Series(mask)).then(None).otherwise(pl.col(c)).alias(c)
            for c, mask in [*((c, hidden[c]) for c in cols), *nulled.items()]
        )
    out = frame.copy()
    for c in cols:
        out[c] = _nullable(out[c]).mask(hidden[c])
        out[f"{c}_suppressed"] = hidden[c]
    for c, mask in nulled.items():
        out[c] = _nullable(out[c]).mask(mask)
    return out


def margins(keys: Sequence[str], within: Sequence[str] = ()) -> list[list[str]]:
    """The `totals` of a full cross table of `keys` whose margins are published: one line per key, grouping by
    the other keys (and `within`, the columns that split the table into separate tables, e.g. the register and
    the year). margins(["sex", "age_band"]) is [["age_band"], ["sex"]]: each age band's sexes add up to the
    band's total, each sex's bands to the sex's total. No keys: [] (a single row is its own total)."""
    return [[*within, *(k for k in keys if k != key)] for key in keys]


def _hidden_cells(
    values: dict[str, np.ndarray],
    threshold: float,
    keep_zero: bool,
    lines: list[np.ndarray],
    nested: Sequence[tuple[str, str]],
) -> dict[str, np.ndarray]:
    """The hidden mask of each count: primary cells, then secondary ones until nothing more changes."""

    def small(v: np.ndarray) -> np.ndarray:
        with np.errstate(invalid="ignore"):
            below = v < threshold
        return below & (v != 0) if keep_zero else below

    present = {c: ~np.isnan(v) for c, v in values.items()}
    hidden = {c: small(v) & present[c] for c, v in values.items()}
    differences = [(part, whole, values[whole] - values[part]) for part, whole in nested]
    both = {part: present[part] & present[whole] for part, whole in nested}
    # a cell alone in a line is that line's total: hiding it as a secondary would hide nothing
    alone = {c: _alone(lines, p) for c, p in present.items()}
    alone_rest = {part: _alone(lines, both[part]) for part in both}
    changed = True
    while changed:
        changed = False
        for part, whole, rest in differences:
            leak = both[part] & ~hidden[part] & ~hidden[whole] & small(rest)
            if leak.any():
                hidden[part] |= leak
                changed = True
        for ids in lines:
            for c, v in values.items():
                changed |= _second_cell(ids, v, present[c], hidden[c], alone[c], hidden[c], small)
            for part, whole, rest in differences:
                rest_hidden = both[part] & (hidden[part] | hidden[whole])
                changed |= _second_cell(
                    ids, rest, both[part], rest_hidden, alone_rest[part], hidden[part], small
                )
    return hidden


def _alone(lines: list[np.ndarray], present: np.ndarray) -> np.ndarray:
    """Cells that are the only present cell of their group in some line."""
    alone = np.zeros(len(present), dtype=bool)
    for ids in lines:
        per_group = np.bincount(ids[present], minlength=ids.max() + 1 if len(ids) else 0)
        alone |= present & (per_group[ids] == 1) if len(ids) else alone
    return alone


def _second_cell(
    ids: np.ndarray,
    v: np.ndarray,
    present: np.ndarray,
    hidden: np.ndarray,
    alone: np.ndarray,
    hide: np.ndarray,
    small,
) -> bool:
    """In each group of `ids` with exactly one hidden cell, set `hide` at its smallest visible cell (in
    place), preferring cells not `alone` in another line. Returns whether anything was hidden. A group whose
    total is itself small publishes no total (it is suppressed wherever it is shown), and a group with no
    visible cell left is its own total: nothing to do in either."""
    size = ids.max() + 1 if len(ids) else 0
    per_group = np.bincount(ids[hidden], minlength=size)
    totals = np.bincount(ids[present], weights=v[present], minlength=size)
    changed = False
    for group in np.flatnonzero((per_group == 1) & ~small(totals)):
        visible = (ids == group) & present & ~hidden
        candidates = np.flatnonzero(visible & ~alone)
        if not len(candidates):
            candidates = np.flatnonzero(visible)
        if len(candidates):
            hide[candidates[np.argmin(v[candidates])]] = True
            changed = True
    return changed


def _line_ids(frame: Any, keys: Sequence[str]) -> np.ndarray:
    """A group number per row: rows with the same values of `keys` share one (all rows: 0)."""
    if not keys:
        return np.zeros(len(frame), dtype=np.int64)
    rows = zip(*(frame[k].to_list() for k in keys), strict=True)
    numbers: dict[tuple, int] = {}
    return np.fromiter((numbers.setdefault(r, len(numbers)) for r in rows), dtype=np.int64, count=len(frame))


def _as_floats(series: Any) -> np.ndarray:
    """A count column as float64 with NaN for a missing value (pandas, nullable or not, or polars)."""
    if isinstance(series, pd.Series):
        return pd.to_numeric(series).astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    return series.cast(float).to_numpy()


def _nullable(series: pd.Series) -> pd.Series:
    """The column as a nullable numeric dtype, so masked cells are pd.NA rather than NaN or a zero."""
    if pd.api.types.is_integer_dtype(series.dtype):
        return series.astype("Int64")
    if pd.api.types.is_numeric_dtype(series.dtype):
        return series.astype("Float64")
    return series
