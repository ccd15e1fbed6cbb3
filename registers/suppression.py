"""Small-number suppression for published aggregates: the one place the platform's readers suppress cells.

Policy (DESIGN.md "Privacy and access"): published aggregates do not show counts of fewer than 5 patients.
A suppressed cell is null, never a zero, and a boolean `<col>_suppressed` column says it was suppressed, so
a chart or table can show "suppressed" rather than "nothing".
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from registers.methods import _is_polars

__all__ = ["suppress_small"]


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
    cols = [count_cols] if isinstance(count_cols, str) else list(count_cols)
    if _is_polars(frame):
        import polars as pl

        missing = [c for c in [*cols, *also] if c not in frame.columns]
        if missing:
            raise KeyError(f"columns {missing} not in frame")
        flags = {}
        for c in cols:
            small = pl.col(c) < threshold
            if keep_zero:
                small = small & (pl.col(c) != 0)
            flags[f"{c}_suppressed"] = small.fill_null(False)
        out = frame.with_columns(**flags)
        any_flag = pl.any_horizontal([pl.col(f) for f in flags])
        nulled = [pl.when(pl.col(f"{c}_suppressed")).then(None).otherwise(pl.col(c)).alias(c) for c in cols]
        nulled += [pl.when(any_flag).then(None).otherwise(pl.col(c)).alias(c) for c in also]
        return out.with_columns(nulled)
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"expected a pandas or polars DataFrame, got {type(frame).__name__}")
    missing = [c for c in [*cols, *also] if c not in frame.columns]
    if missing:
        raise KeyError(f"columns {missing} not in frame")
    out = frame.copy()
    any_flag = pd.Series(False, index=out.index)
    for c in cols:
        values = _nullable(out[c])
        small = (values < threshold).fillna(False).astype(bool)
        if keep_zero:
            small &= (values != 0).fillna(False).astype(bool)
        out[c] = values.mask(small)
        out[f"{c}_suppressed"] = small
        any_flag |= small
    for c in also:
        out[c] = _nullable(out[c]).mask(any_flag)
    return out


def _nullable(series: pd.Series) -> pd.Series:
    """The column as a nullable numeric dtype, so masked cells are pd.NA rather than NaN or a zero."""
    if pd.api.types.is_integer_dtype(series.dtype):
        return series.astype("Int64")
    if pd.api.types.is_numeric_dtype(series.dtype):
        return series.astype("Float64")
    return series
