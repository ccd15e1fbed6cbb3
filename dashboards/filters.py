"""Filters shared by every page (period, okrug, facility, specialty), kept in the URL so a view is a link.

The router draws them once in the sidebar for every page, so they carry across pages; on the first run of a
session they are read from `st.query_params`, and after each run written back to it. The period is chosen
relative to the data's last day ("last 12 months" means up to the last day loaded, not today).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import streamlit as st

from dashboards import data
from warehouse.calendar import year_ago

ALL = "All"
PERIODS: dict[str, int | None] = {
    "Last 4 weeks": 28,
    "Last 3 months": 91,
    "Last 12 months": 365,
    "Year to date": None,
    "All data": None,
    "Custom": None,
}
DEFAULT_PERIOD = "Last 12 months"
_KEYS = {
    "period": "filter_period",
    "from": "filter_from",
    "to": "filter_to",
    "okrug": "filter_okrug",
    "facility": "filter_facility",
    "specialty": "filter_specialty",
}


@dataclass(frozen=True)
class Filters:
    start: dt.date
    end: dt.date
    period: str
    okrug_id: str | None = None
    facility_id: int | None = None
    specialty_id: str | None = None

    def last_year(self) -> tuple[dt.date, dt.date]:
        """The same ISO weeks a year earlier: each end moved to the same ISO week and weekday of the previous
        ISO year (week 53 to week 52; warehouse/calendar.py `year_ago`), so after a 53-week year 2027-W10
        is compared with 2026-W10, not with the 2026-W11 that 52 weeks back would give."""
        return year_ago(self.start), year_ago(self.end)


def period_dates(choice: str, first: dt.date, last: dt.date, custom: tuple[dt.date, dt.date] | None = None):
    """Start and end of a period choice, counted back from the data's last day and clipped to the data."""
    if choice == "Custom" and custom:
        start, end = custom
    elif choice == "Year to date":
        start, end = last.replace(month=1, day=1), last
    elif PERIODS.get(choice):
        start, end = last - dt.timedelta(days=PERIODS[choice] - 1), last
    else:
        start, end = first, last
    return max(start, first), min(max(end, start), last)


def _from_url() -> None:
    """Seed the widgets from the URL once per session (later runs keep what the user chose)."""
    if st.session_state.get("_filters_seeded"):
        return
    st.session_state["_filters_seeded"] = True
    params = st.query_params
    for param, key in _KEYS.items():
        if param in params and key not in st.session_state:
            value = params[param]
            if param in ("from", "to"):
                try:
                    value = dt.date.fromisoformat(value)
                except ValueError:
                    continue
            st.session_state[key] = value


def _to_url(filters: Filters) -> None:
    wanted = {"period": filters.period}
    if filters.period == "Custom":
        wanted |= {"from": filters.start.isoformat(), "to": filters.end.isoformat()}
    if filters.okrug_id:
        wanted["okrug"] = filters.okrug_id
    if filters.facility_id is not None:
        wanted["facility"] = str(filters.facility_id)
    if filters.specialty_id:
        wanted["specialty"] = filters.specialty_id
    if dict(st.query_params) != wanted:
        st.query_params.from_dict(wanted)


def _valid(key: str, options: list[str], default: str = ALL) -> None:
    """Replace a value (from a link or another page) that is not among the options by the default."""
    if st.session_state.get(key) not in options:
        st.session_state[key] = default if default in options else options[0]


def sidebar(fixed_facility: int | None = None, choose_facility: bool = True) -> Filters | None:
    """Draw the filters; None when the warehouse has no data yet. A chief physician's facility is fixed;
    choose_facility=False (a role that sees no named facility) draws no facility filter at all."""
    _from_url()
    try:
        first, last = data.data_span()
        facilities = data.facilities()
        okrugs = data.okrugs()
        specialties = data.specialties()
    except data.NoData:
        return None
    with st.sidebar:
        st.subheader("Filters")
        _valid(_KEYS["period"], list(PERIODS), DEFAULT_PERIOD)
        period = st.selectbox("Period", list(PERIODS), key=_KEYS["period"])
        custom = None
        if period == "Custom":
            st.session_state.setdefault(_KEYS["from"], max(first, last - dt.timedelta(days=364)))
            st.session_state.setdefault(_KEYS["to"], last)
            start_day = st.date_input("From", min_value=first, max_value=last, key=_KEYS["from"])
            end_day = st.date_input("To", min_value=first, max_value=last, key=_KEYS["to"])
            custom = (start_day, end_day)
        start, end = period_dates(period, first, last, custom)
        st.caption(f"{start:%d %b %Y} – {end:%d %b %Y} (data up to {last:%d %b %Y})")

        okrug_names = dict(zip(okrugs["okrug_id"].to_list(), okrugs["okrug_name_en"].to_list(), strict=True))
        okrug_options = [ALL, *okrug_names]
        _valid(_KEYS["okrug"], okrug_options)
        okrug = st.selectbox(
            "Okrug",
            okrug_options,
            key=_KEYS["okrug"],
            format_func=lambda o: o if o == ALL else okrug_names[o],
        )
        okrug_id = None if okrug == ALL else okrug

        if fixed_facility is not None:
            facility_id = fixed_facility
            name = facilities.filter(facilities["facility_id"] == fixed_facility)["facility_name"].to_list()
            st.text_input("Facility (yours)", value=name[0] if name else str(fixed_facility), disabled=True)
        elif not choose_facility:
            facility_id = None
        else:
            shown = facilities if okrug_id is None else facilities.filter(facilities["okrug_id"] == okrug_id)
            names = dict(
                zip(
                    [str(i) for i in shown["facility_id"].to_list()],
                    shown["facility_name"].to_list(),
                    strict=True,
                )
            )
            facility_options = [ALL, *names]
            _valid(_KEYS["facility"], facility_options)
            facility = st.selectbox(
                "Facility",
                facility_options,
                key=_KEYS["facility"],
                format_func=lambda f: f if f == ALL else names[f],
            )
            facility_id = None if facility == ALL else int(facility)

        specialty_names = dict(
            zip(
                specialties["specialty_id"].to_list(), specialties["specialty_name_en"].to_list(), strict=True
            )
        )
        specialty_options = [ALL, *specialty_names]
        _valid(_KEYS["specialty"], specialty_options)
        specialty = st.selectbox(
            "Specialty",
            specialty_options,
            key=_KEYS["specialty"],
            format_func=lambda s: s if s == ALL else specialty_names[s],
        )
    filters = Filters(start, end, period, okrug_id, facility_id, None if specialty == ALL else specialty)
    _to_url(filters)
    st.session_state["filters"] = filters
    return filters


def current() -> Filters | None:
    """The filters the router drew for this run (pages call this; they draw no filters of their own)."""
    return st.session_state.get("filters")
