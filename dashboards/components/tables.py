"""Tables with their CSV download, and the suppression mark they share.

`for_display` is pure: a suppressed count (null with a true `<col>_suppressed` flag) is written "<5", so the
mark is the same on screen and in the downloaded CSV. `show_table` is the one way a page shows a table.
"""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboards.data import SMALL_CELL

SUPPRESSED_MARK = f"<{SMALL_CELL}"


def for_display(frame: pl.DataFrame) -> pl.DataFrame:
    """Counts that were suppressed shown as "<5" (the column becomes text); the flag columns stay."""
    marked = []
    for flag in (c for c in frame.columns if c.endswith("_suppressed")):
        column = flag.removesuffix("_suppressed")
        if column in frame.columns:
            marked.append(
                pl.when(pl.col(flag))
                .then(pl.lit(SUPPRESSED_MARK))
                .otherwise(pl.col(column).cast(pl.Utf8))
                .alias(column)
            )
    return frame.with_columns(marked) if marked else frame


def to_csv(frame: pl.DataFrame) -> str:
    return for_display(frame).write_csv()


def show_table(frame: pl.DataFrame, name: str, *, caption: str | None = None) -> None:
    """A table, a note when cells were suppressed, and a CSV download of exactly what is shown."""
    shown = for_display(frame)
    st.dataframe(shown, key=f"table_{name}", hide_index=True)
    flags = [c for c in frame.columns if c.endswith("_suppressed")]
    hidden = int(frame.select(pl.any_horizontal(flags).sum()).item()) if flags and frame.height else 0
    notes = [caption] if caption else []
    if hidden:
        notes.append(
            f"{hidden} row(s) with counts of fewer than {SMALL_CELL} patients: shown as "
            f"'{SUPPRESSED_MARK}', with the rates from them left blank."
        )
    if notes:
        st.caption(" ".join(notes))
    st.download_button(
        f"Download {name.replace('_', ' ')} (CSV)",
        to_csv(frame),
        file_name=f"{name}.csv",
        mime="text/csv",
        key=f"download_{name}",
    )
