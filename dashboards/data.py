"""Cached readers of the marts the pages show. The only module of the dashboards that touches data."""

from __future__ import annotations

import datetime as dt

import polars as pl
import streamlit as st

from warehouse import read_mart
from warehouse.connection import WarehouseNotBuiltError

# Readers re-open the DuckDB file read-only on each query, so a rebuild is picked up after the TTL.
TTL_SECONDS = 300


class NoData(RuntimeError):
    """The warehouse is not built yet or holds no rows for the page."""


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def facility_load(
    start: dt.date | None = None,
    end: dt.date | None = None,
    facility_ids: tuple[int, ...] = (),
    specialty_ids: tuple[str, ...] = (),
) -> pl.DataFrame:
    filters: dict = {"slot_date": (start, end)}
    if facility_ids:
        filters["facility_id"] = list(facility_ids)
    if specialty_ids:
        filters["specialty_id"] = list(specialty_ids)
    try:
        return read_mart("mart_facility_load_daily", filters=filters, order_by=["slot_date", "facility_id"])
    except WarehouseNotBuiltError as e:
        raise NoData(str(e)) from e


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def facility_load_span() -> tuple[dt.date, dt.date]:
    """First and last day in the facility-load mart."""
    days = facility_load().get_column("slot_date")
    if days.is_empty():
        raise NoData("the facility-load mart is empty: run `emias build`")
    return days.min(), days.max()


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def facilities() -> pl.DataFrame:
    try:
        return read_mart("dim_facilities", order_by=["facility_id"])
    except WarehouseNotBuiltError as e:
        raise NoData(str(e)) from e
