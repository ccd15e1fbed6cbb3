"""What every page does first and how it says that data is missing: one place, so pages stay thin."""

from __future__ import annotations

import contextlib

import streamlit as st

from dashboards import auth, data, filters
from dashboards.components import format as fmt
from dashboards.roles import PAGE_BY_KEY
from dashboards.users import User


def open_page(key: str) -> tuple[User, filters.Filters]:
    """Header, refusal for roles that may not see the page, and the shared filters (stops without data)."""
    st.header(PAGE_BY_KEY[key].title)
    user = auth.require(key)
    chosen = filters.current()
    if chosen is None:
        st.warning("No data yet: the warehouse is not built (run `emias build`).")
        st.stop()
    return user, chosen


@contextlib.contextmanager
def section(title: str | None = None):
    """A part of a page; if its mart is missing or empty it says so and the rest of the page carries on."""
    if title:
        st.subheader(title)
    try:
        yield
    except data.MissingMart as e:
        st.info(
            f"Not available yet — the marts this part needs are not in the warehouse: {', '.join(e.names)}."
        )
    except data.NoData as e:
        st.info(f"No data for this selection: {e}")


def metric(column, name: str, value, *, label: str | None = None) -> None:
    """A headline figure of the column `name`, formatted as in the tables; a suppressed or missing value is
    shown as such, never as zero."""
    kind = fmt.column(name).kind
    shown = "suppressed" if value is None and kind == "count" else fmt.value(value, kind)
    column.metric(label or fmt.label(name), shown)
