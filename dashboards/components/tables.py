"""Tables with their CSV download: the one way a page shows a table.

On screen a table goes through the formatting layer (dashboards/components/format.py): labelled columns,
names instead of codes, formatted values, "—" for empty and "[c]" for a suppressed count. The CSV download
keeps the machine names and raw values for analysis, with the same "[c]" mark and the `<col>_suppressed`
flags.
"""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboards.components import format as fmt


def for_csv(frame: pl.DataFrame) -> pl.DataFrame:
    """Raw values under machine names; a suppressed count (null with a true flag) written "[c]"."""
    marked = []
    for flag in (c for c in frame.columns if c.endswith("_suppressed")):
        column = flag.removesuffix("_suppressed")
        if column in frame.columns:
            marked.append(
                pl.when(pl.col(flag))
                .then(pl.lit(fmt.SUPPRESSED_MARK))
                .otherwise(pl.col(column).cast(pl.Utf8))
                .alias(column)
            )
    return frame.with_columns(marked) if marked else frame


def to_csv(frame: pl.DataFrame) -> str:
    return for_csv(frame).write_csv()


def suppressed_rows(frame: pl.DataFrame) -> int:
    flags = [c for c in frame.columns if c.endswith("_suppressed")]
    if not flags or frame.is_empty():
        return 0
    return int(frame.select(pl.any_horizontal(flags).sum()).item())


def show_table(
    frame: pl.DataFrame, name: str, *, caption: str | None = None, title: str | None = None
) -> None:
    """A table, a note when cells were suppressed, and a CSV download of the same rows.

    name: the table's key and the CSV's file name; title: what the download button calls it (default: the
    name in words)."""
    shown, settings = fmt.table(frame)
    st.dataframe(shown, key=f"table_{name}", hide_index=True, column_config=settings)
    notes = [caption] if caption else []
    hidden = suppressed_rows(frame)
    if hidden:
        notes.append(fmt.suppression_note(hidden))
    if notes:
        st.caption(" ".join(notes))
    st.download_button(
        f"Download {title or name.replace('_', ' ')} (CSV)",
        to_csv(frame),
        file_name=f"{name}.csv",
        mime="text/csv",
        key=f"download_{name}",
    )
