"""Cached readers of the marts the pages show: the only module of the dashboards that touches data.

Every reader returns its frame through `publish()`, the one place small cells are suppressed: counts of
fewer than 5 patients (and the rates computed from them) become null, with a visible `<count>_suppressed`
flag, and so do the cells that would give one back from a total or a part-whole difference
(registers.suppress_complementary). Readers aggregate to the grain the page shows *before* suppressing, since
suppressing fine cells and summing them afterwards would both lose data and leak it by difference.

A reader raises `MissingMart` when the mart it needs is not in the warehouse (yet), so a page can say what
is missing instead of failing; `NoData` when the warehouse is not built at all.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

import polars as pl
import streamlit as st

from dashboards.components.format import FACILITY_KIND_NAMES, SMALL_CELL
from registers import margins, suppress_complementary
from warehouse import connect, get_settings, list_marts, metrics
from warehouse import read_mart as _read_mart
from warehouse.connection import WarehouseNotBuiltError
from warehouse.read import identifier, where_clause
from warehouse.read import read_sql as _read_sql

# Cached frames live 5 minutes: a rebuild shows within that time.
TTL_SECONDS = 300
WEEKS_COUNTED = "count(distinct week_start) as weeks"


def _close(con) -> None:
    con.close()


# One read-only connection per session, opened by the first read of a run that misses the cache and closed
# when the run ends (`release_connection`, called by the router): a page's reads share it, and an idle
# dashboard holds no lock on the DuckDB file, so a rebuild is never locked out.
@st.cache_resource(scope="session", on_release=_close, show_spinner=False)
def _connection(target: str, location: str):
    return connect(read_only=True, settings=get_settings(target))


def _con():
    settings = get_settings()
    location = str(settings.duckdb_path) if settings.target == "duckdb" else str(settings.postgres_conninfo)
    return _connection(settings.target, location)


def release_connection() -> None:
    """Close this session's connection (the router calls it when a run ends)."""
    _connection.clear()


def _plain_numbers(frame: pl.DataFrame) -> pl.DataFrame:
    """Decimals as plain numbers: sums come back as DECIMAL(38,0) from DuckDB (NUMERIC from PostgreSQL), and
    dividing two of them in polars keeps scale 0, so every rate would round to 0 or 1."""
    casts = [
        pl.col(name).cast(pl.Int64 if dtype.scale == 0 else pl.Float64)
        for name, dtype in frame.schema.items()
        if isinstance(dtype, pl.Decimal)
    ]
    return frame.with_columns(casts) if casts else frame


def read_mart(name: str, **kwargs) -> pl.DataFrame:
    return _plain_numbers(_read_mart(name, con=_con(), **kwargs))


def read_sql(sql: str, params: Sequence = ()) -> pl.DataFrame:
    return _plain_numbers(_read_sql(sql, params, con=_con()))


class NoData(RuntimeError):
    """The warehouse is not built yet or holds no rows for the page."""


class MissingMart(NoData):
    """A mart the page needs is not in the warehouse yet."""

    def __init__(self, names: Sequence[str]):
        self.names = list(names)
        super().__init__(f"not in the warehouse yet: {', '.join(self.names)}")


#: What a table's rows add up to unless a reader says otherwise: one total published beside it (the city of
#: the okrugs, the period of its weeks, a headline figure, a CSV summed by its reader).
WHOLE_TABLE: tuple[tuple[str, ...], ...] = ((),)


def publish(
    frame: pl.DataFrame,
    suppress: Mapping[str, Sequence[str]],
    *,
    totals: Sequence[Sequence[str]] = WHOLE_TABLE,
    nested: Sequence[tuple[str, str]] = (),
) -> pl.DataFrame:
    """What every reader returns: small cells suppressed (`suppressed`) and codes named (`with_names`:
    `specialty_name` beside `specialty_id`...), so no page shows a small count or a bare code."""
    return with_names(suppressed(frame, suppress, totals=totals, nested=nested))


def suppressed(
    frame: pl.DataFrame,
    suppress: Mapping[str, Sequence[str]],
    *,
    totals: Sequence[Sequence[str]] = WHOLE_TABLE,
    nested: Sequence[tuple[str, str]] = (),
) -> pl.DataFrame:
    """Suppress each patient count below SMALL_CELL, the figures computed from it, and the cells that would
    give one back by subtraction (`registers.suppress_complementary`, the one place).

    suppress: count column -> the derived columns (rates, shares) nulled with it in the same row.
    totals: the key columns of each line of the table whose rows add up to a total published elsewhere
    (default: all rows add up to one; a cross table lists its margins, `registers.margins`).
    nested: (part, whole) count pairs of a row (remote bookings within bookings): the difference is published
    in effect, so a small one hides the part.
    Counts, derived columns and pairs the frame lacks are skipped: one mapping serves a metric's tables.
    """
    counts = [c for c in suppress if c in frame.columns]
    if not counts:
        return frame
    also = {c: [d for d in suppress[c] if d in frame.columns] for c in counts}
    pairs = [(p, w) for p, w in nested if p in counts and w in counts]
    return suppress_complementary(frame, counts, SMALL_CELL, also=also, totals=totals, nested=pairs)


def _cross_table(*keys: str) -> list[list[str]]:
    """The totals of a cross table of `keys`: each margin and the grand total."""
    return [*margins(keys), []]


def with_names(frame: pl.DataFrame) -> pl.DataFrame:
    """The frame with a name column beside each code column it has (and has no name for yet)."""
    if not set(frame.columns) & NAMED_CODES:
        return frame
    named = []
    for code, (name, mapping) in names().items():
        if code in frame.columns and name not in frame.columns:
            named.append(pl.col(code).cast(pl.Utf8).replace_strict(mapping, default=None).alias(name))
    return frame.with_columns(named) if named else frame


NAMED_CODES = {"facility_kind", "register_code", "okrug_id", "specialty_id", "facility_id"}


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def names() -> dict[str, tuple[str, dict[str, str]]]:
    """code column -> (its name column, code -> name): facilities, okrugs, specialties, kinds of facility,
    registers."""
    found: dict[str, tuple[str, dict[str, str]]] = {
        "facility_kind": ("facility_kind_name", FACILITY_KIND_NAMES),
        "register_code": ("register_name", dict(register_choices())),
    }
    facility_rows = facilities()
    found["facility_id"] = (
        "facility_name",
        dict(zip(facility_rows["facility_id"].cast(pl.Utf8), facility_rows["facility_name"], strict=True)),
    )
    okrug_rows = okrugs()
    found["okrug_id"] = (
        "okrug_name",
        dict(zip(okrug_rows["okrug_id"], okrug_rows["okrug_name_en"], strict=True)),
    )
    specialty_rows = specialties()
    found["specialty_id"] = (
        "specialty_name",
        dict(zip(specialty_rows["specialty_id"], specialty_rows["specialty_name_en"], strict=True)),
    )
    return found


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def available_marts() -> list[str]:
    try:
        return list_marts(con=_con())
    except WarehouseNotBuiltError as e:
        raise NoData(str(e)) from e


def require_marts(*names: str) -> None:
    missing = [n for n in names if n not in available_marts()]
    if missing:
        raise MissingMart(missing)


def _read(name: str, **kwargs) -> pl.DataFrame:
    require_marts(name)
    try:
        return read_mart(name, **kwargs)
    except WarehouseNotBuiltError as e:
        raise NoData(str(e)) from e


def _in(filters: dict, column: str, value) -> dict:
    if value is not None:
        filters[column] = value
    return filters


def _summed(
    name: str,
    by: Sequence[str],
    sums: Sequence[str],
    filters: Mapping,
    *,
    week_of: str | None = None,
    extra: Sequence[str] = (),
) -> pl.DataFrame:
    """Sums of a mart's columns by some of its columns, computed in the database (a year of a daily mart
    is hundreds of thousands of rows; the page needs a few hundred). week_of: also group by the Monday of
    that date column, as `week_start`. extra: further aggregate expressions (constants of this module)."""
    require_marts(name)
    keys = [identifier(c) for c in by]
    if week_of:
        keys.insert(0, f"cast(date_trunc('week', {identifier(week_of)}) as date) as week_start")
    measures = [f"sum({identifier(c)}) as {c}" for c in sums] + list(extra)
    where, params = where_clause(filters)
    sql = f"select {', '.join(keys + measures)} from marts.{name}{where}"
    if keys:
        sql += " group by " + ", ".join(str(i + 1) for i in range(len(keys)))
    try:
        return read_sql(sql, params)
    except WarehouseNotBuiltError as e:
        raise NoData(str(e)) from e


# ------------------------------------------------------------------------------------------ dimensions


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def data_span() -> tuple[dt.date, dt.date]:
    """First and last day with activity (the day 'last 12 months' is counted back from)."""
    # slots are published weeks ahead: the last day of data is the last day with visits, not with slots
    if "mart_capacity_daily" in available_marts():
        sql = (
            "select min(activity_date) as first_day,"
            " max(case when encounters > 0 then activity_date end) as last_day from marts.mart_capacity_daily"
        )
    else:
        require_marts("mart_facility_load_daily")
        sql = (
            "select min(slot_date) as first_day,"
            " max(case when attended > 0 then slot_date end) as last_day from marts.mart_facility_load_daily"
        )
    span = read_sql(sql)
    first, last = span.row(0)
    if first is None:
        raise NoData("no activity in the warehouse yet: run `emias build`")
    return first, last


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def facilities() -> pl.DataFrame:
    return _read("dim_facilities", order_by=["facility_id"])


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def okrugs() -> pl.DataFrame:
    if "dim_okrugs" in available_marts():
        return _read("dim_okrugs", order_by=["okrug_id"])
    return (
        facilities()
        .select("okrug_id")
        .unique()
        .sort("okrug_id")
        .with_columns(okrug_name_en=pl.col("okrug_id"))
    )


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def specialties() -> pl.DataFrame:
    if "dim_specialties" in available_marts():
        return _read("dim_specialties", order_by=["specialty_id"])
    ids = _read("mart_facility_load_daily", columns=["specialty_id"]).unique().sort("specialty_id")
    return ids.with_columns(specialty_name_en=pl.col("specialty_id"))


# ----------------------------------------------------------------------------------------- city overview


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _capacity_daily(
    start: dt.date, end: dt.date, okrug_id: str | None, facility_id: int | None
) -> pl.DataFrame:
    filters = _in({"activity_date": (start, end)}, "okrug_id", okrug_id)
    return _read("mart_capacity_daily", filters=_in(filters, "facility_id", facility_id))


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _capacity_weekly(start: dt.date, end: dt.date, okrug_id: str | None) -> pl.DataFrame:
    """Visits, bookings, attended and missed by ISO week and okrug."""
    filters = _in({"activity_date": (start, end)}, "okrug_id", okrug_id)
    sums = ["encounters", "bookings", "attended", "no_shows"]
    return _summed("mart_capacity_daily", ["okrug_id"], sums, filters, week_of="activity_date")


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _access(start: dt.date, end: dt.date, level: str, unit_ids: tuple[str, ...] = ()) -> pl.DataFrame:
    # weeks that start up to 6 days before the period still hold days of it
    filters: dict = {"hierarchy_level": level, "week_start": (start - dt.timedelta(days=6), end)}
    if unit_ids:
        filters["unit_id"] = list(unit_ids)
    return _read("mart_access_weekly", filters=filters)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _remote_bookings_by_facility_week() -> pl.DataFrame:
    """Bookings and remote bookings by ISO week and facility, over all the data. No mart carries the booking
    channel aggregated yet, so this sums the appointments fact (a mart table) in the database, once per
    cache period for every period and okrug a page asks about."""
    require_marts("fct_appointments")
    sql = """
        select slot_week_start as week_start, facility_id,
               count(*) as bookings_made,
               sum(case when is_remote_booking then 1 else 0 end) as remote_bookings
        from marts.fct_appointments
        group by slot_week_start, facility_id
    """
    okrug_of = facilities().select("facility_id", "okrug_id")
    return read_sql(sql).join(okrug_of, on="facility_id", how="left")


def _remote_bookings_weekly(start: dt.date, end: dt.date, okrug_id: str | None) -> pl.DataFrame:
    """Bookings and remote bookings by week and okrug, for the weeks of the period."""
    frame = _remote_bookings_by_facility_week().filter(
        pl.col("week_start").is_between(start - dt.timedelta(days=6), end)
    )
    if okrug_id is not None:
        frame = frame.filter(pl.col("okrug_id") == okrug_id)
    return frame.group_by("week_start", "okrug_id").agg(pl.col("bookings_made", "remote_bookings").sum())


def _okrug_units(okrug_id: str | None) -> tuple[str, tuple[str, ...]]:
    return ("okrug", (okrug_id,)) if okrug_id else ("city", ())


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def city_weekly(start: dt.date, end: dt.date, okrug_id: str | None = None) -> pl.DataFrame:
    """One row per complete ISO week of the period: visits, bookings, remote share, DNA rate, share within
    standard. Weeks the period or the data cut short are left out: a partial week would read as a drop."""
    level, units = _okrug_units(okrug_id)
    frame = metrics.city_weekly(
        _capacity_weekly(start, end, okrug_id),
        _access(start, end, level, units),
        _remote_bookings_weekly(start, end, okrug_id),
    )
    return publish(complete_weeks(frame, start, end), metrics.CITY_SUPPRESS)


def complete_weeks(frame: pl.DataFrame, start: dt.date, end: dt.date) -> pl.DataFrame:
    """The rows of ISO weeks (`week_start`, a Monday) that lie wholly inside the period and the data."""
    first, last = data_span()
    low, high = max(start, first), min(end, last)
    return frame.filter((pl.col("week_start") >= low) & (pl.col("week_start") + dt.timedelta(days=6) <= high))


def weeks_left_out(start: dt.date, end: dt.date) -> str:
    """A note saying which days of the period fall in partial weeks ("" when none do)."""
    first, last = data_span()
    low, high = max(start, first), min(end, last)
    head = (7 - low.weekday()) % 7  # days before the first Monday
    tail = (high.weekday() + 1) % 7  # days after the last Sunday
    if head + tail == 0:
        return ""
    parts = []
    if head:
        parts.append(f"{low:%-d %b}–{low + dt.timedelta(days=head - 1):%-d %b %Y}")
    if tail:
        parts.append(f"{high - dt.timedelta(days=tail - 1):%-d %b}–{high:%-d %b %Y}")
    return "Complete weeks only: the partial weeks " + " and ".join(parts) + " are left out."


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def city_by_okrug(start: dt.date, end: dt.date) -> pl.DataFrame:
    """One row per okrug over the period, with cost per visit from the finance mart."""
    finance = _finance(start, end, None) if "mart_finance_monthly" in available_marts() else None
    frame = metrics.city_by_okrug(
        _capacity_weekly(start, end, None),
        _access(start, end, "okrug"),
        _remote_bookings_weekly(start, end, None),
        finance,
    )
    return publish(frame, metrics.CITY_SUPPRESS)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def city_totals(start: dt.date, end: dt.date, okrug_id: str | None = None) -> dict:
    """The headline figures of the period (one row, suppressed like any other)."""
    level, units = _okrug_units(okrug_id)
    finance = _finance(start, end, okrug_id) if "mart_finance_monthly" in available_marts() else None
    frame = metrics.city_totals(
        _capacity_weekly(start, end, okrug_id),
        _access(start, end, level, units),
        _remote_bookings_weekly(start, end, okrug_id),
        finance,
    )
    return publish(frame, metrics.CITY_SUPPRESS).row(0, named=True)


# -------------------------------------------------------------------------------------- facility pages


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def facility_load(
    start: dt.date | None = None,
    end: dt.date | None = None,
    facility_ids: tuple[int, ...] = (),
    specialty_ids: tuple[str, ...] = (),
) -> pl.DataFrame:
    """Facility x specialty totals over the period (the facility-load table)."""
    return publish(
        metrics.load_by_facility(_load_daily(start, end, facility_ids, specialty_ids)),
        metrics.LOAD_SUPPRESS,
        totals=_cross_table("facility_id", "specialty_id"),
    )


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def facility_load_daily(
    start: dt.date | None = None,
    end: dt.date | None = None,
    facility_ids: tuple[int, ...] = (),
    specialty_ids: tuple[str, ...] = (),
) -> pl.DataFrame:
    """Daily totals of the selection (the facility-load chart)."""
    return publish(
        metrics.daily_load_summary(_load_daily(start, end, facility_ids, specialty_ids)),
        metrics.LOAD_SUPPRESS,
    )


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def facility_load_totals(
    start: dt.date | None = None,
    end: dt.date | None = None,
    facility_ids: tuple[int, ...] = (),
    specialty_ids: tuple[str, ...] = (),
) -> dict:
    """The headline figures of the selection (one row, suppressed like any other)."""
    daily = metrics.daily_load_summary(_load_daily(start, end, facility_ids, specialty_ids))
    return publish(metrics.load_totals(daily), metrics.LOAD_SUPPRESS).row(0, named=True)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _load_daily(start, end, facility_ids, specialty_ids) -> pl.DataFrame:
    filters: dict = {"slot_date": (start, end)}
    if facility_ids:
        filters["facility_id"] = list(facility_ids)
    if specialty_ids:
        filters["specialty_id"] = list(specialty_ids)
    return _read("mart_facility_load_daily", filters=filters, order_by=["slot_date", "facility_id"])


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def facility_profile(facility_id: int | None) -> dict | None:
    """The chosen facility's row of dim_facilities (None when no facility is chosen)."""
    if facility_id is None:
        return None
    rows = facilities().filter(pl.col("facility_id") == facility_id)
    return rows.row(0, named=True) if rows.height else None


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def facility_funnels(
    start: dt.date,
    end: dt.date,
    facility_kind: str,
    own_facility: int | None = None,
    peers_named: bool = True,
) -> pl.DataFrame:
    """One row per facility of a kind: DNA, within-standard and cost-per-visit numerators and denominators.

    peers_named=False (a chief physician): every facility but `own_facility` is anonymous in what leaves here.
    """
    peers = facilities().filter(pl.col("facility_kind") == facility_kind)
    ids = peers["facility_id"].to_list()
    capacity = _summed(
        "mart_capacity_daily",
        ["facility_id"],
        ["attended", "no_shows"],
        {"activity_date": (start, end), "facility_id": ids},
    )
    access = _access(start, end, "facility", tuple(str(i) for i in ids))
    finance = _finance(start, end, None).filter(pl.col("facility_id").is_in(ids))
    frame = publish(
        metrics.facility_funnel_inputs(peers, capacity, access, finance),
        metrics.FUNNEL_SUPPRESS,
        nested=metrics.FUNNEL_NESTED,
    )
    if not peers_named:
        frame = metrics.anonymise_peers(frame, own_facility)
    return frame


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def facility_peer_table(
    start: dt.date,
    end: dt.date,
    facility_kind: str,
    own_facility: int | None = None,
    peers_named: bool = True,
) -> pl.DataFrame:
    """The comparison as a table: every facility by name, or (a chief physician) one's own and the peers as
    one aggregate row."""
    peers = facilities().filter(pl.col("facility_kind") == facility_kind)
    ids = peers["facility_id"].to_list()
    capacity = _summed(
        "mart_capacity_daily",
        ["facility_id"],
        ["attended", "no_shows"],
        {"activity_date": (start, end), "facility_id": ids},
    )
    access = _access(start, end, "facility", tuple(str(i) for i in ids))
    finance = _finance(start, end, None).filter(pl.col("facility_id").is_in(ids))
    frame = metrics.facility_funnel_inputs(peers, capacity, access, finance)
    if not peers_named:
        frame = metrics.peers_in_aggregate(frame, own_facility)
    return publish(frame, metrics.FUNNEL_SUPPRESS, nested=metrics.FUNNEL_NESTED)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def facility_specialties(start: dt.date, end: dt.date, facility_id: int) -> pl.DataFrame:
    """Drill-down: one facility by specialty."""
    capacity = _capacity_daily(start, end, None, facility_id)
    access = _access(start, end, "facility", (str(facility_id),))
    cost = None
    if "mart_finance_cost_per_visit" in available_marts():
        cost = _read(
            "mart_finance_cost_per_visit",
            filters={"facility_id": facility_id, "month_start": (_month_start(start), end)},
        )
    frame = metrics.facility_by_specialty(capacity, access, cost)
    return publish(frame, metrics.SPECIALTY_SUPPRESS)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def facility_doctors(
    start: dt.date, end: dt.date, facility_id: int, specialty_id: str | None
) -> pl.DataFrame:
    """Drill-down: one facility's doctors (optionally of one specialty)."""
    filters = _in(
        {"facility_id": facility_id, "week_start": (start - dt.timedelta(days=6), end)},
        "specialty_id",
        specialty_id,
    )
    frame = metrics.doctor_load(_read("mart_doctor_load_weekly", filters=filters))
    return publish(frame, metrics.DOCTOR_SUPPRESS)


# -------------------------------------------------------------------------------------- access, capacity


def _access_level(okrug_id: str | None, facility_id: int | None) -> tuple[str, tuple[str, ...]]:
    if facility_id is not None:
        return "facility", (str(facility_id),)
    return _okrug_units(okrug_id)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def access_by_specialty(
    start: dt.date, end: dt.date, okrug_id: str | None, facility_id: int | None, specialty_id: str | None
) -> pl.DataFrame:
    level, units = _access_level(okrug_id, facility_id)
    frame = metrics.access_by_specialty(_access(start, end, level, units), specialties(), specialty_id)
    return publish(frame, metrics.ACCESS_SUPPRESS)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def access_weekly(
    start: dt.date, end: dt.date, okrug_id: str | None, facility_id: int | None, specialty_id: str | None
) -> pl.DataFrame:
    level, units = _access_level(okrug_id, facility_id)
    frame = metrics.access_weekly(_access(start, end, level, units), specialty_id)
    return publish(complete_weeks(frame, start, end), metrics.ACCESS_SUPPRESS)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def capacity_by_facility(
    start: dt.date, end: dt.date, okrug_id: str | None, facility_id: int | None, specialty_id: str | None
) -> pl.DataFrame:
    filters = _in({"activity_date": (start, end)}, "okrug_id", okrug_id)
    _in(_in(filters, "facility_id", facility_id), "specialty_id", specialty_id)
    by = ["facility_id", "facility_name", "specialty_id"]
    frame = _summed("mart_capacity_daily", by, metrics.CAPACITY_SUMS, filters)
    return publish(
        metrics.capacity_by_facility(frame),
        metrics.CAPACITY_SUPPRESS,
        totals=_cross_table("facility_id", "specialty_id"),
    )


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def capacity_by_okrug(
    start: dt.date, end: dt.date, okrug_id: str | None, specialty_id: str | None
) -> pl.DataFrame:
    """Capacity by okrug and specialty: the aggregate view for roles that see no named facility."""
    filters = _in(_in({"activity_date": (start, end)}, "okrug_id", okrug_id), "specialty_id", specialty_id)
    frame = _summed("mart_capacity_daily", ["okrug_id", "specialty_id"], metrics.CAPACITY_SUMS, filters)
    return publish(
        metrics.capacity_by(frame, ["okrug_id", "specialty_id"]),
        metrics.CAPACITY_SUPPRESS,
        totals=_cross_table("okrug_id", "specialty_id"),
    )


def _weekly_filters(
    start: dt.date, end: dt.date, okrug_id: str | None, facility_id: int | None, specialty_id: str | None
) -> dict:
    """Filters of a weekly facility mart without an okrug column: weeks that overlap the period, and the
    okrug's facilities when no single facility is chosen."""
    filters: dict = {"week_start": (start - dt.timedelta(days=6), end)}
    if facility_id is not None:
        filters["facility_id"] = facility_id
    elif okrug_id is not None:
        filters["facility_id"] = facilities().filter(pl.col("okrug_id") == okrug_id)["facility_id"].to_list()
    return _in(filters, "specialty_id", specialty_id)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def load_heatmap(
    start: dt.date, end: dt.date, okrug_id: str | None, facility_id: int | None, specialty_id: str | None
) -> pl.DataFrame:
    filters = _weekly_filters(start, end, okrug_id, facility_id, specialty_id)
    sums = ["slots_offered", "slots_booked", "encounters"]
    by_hour = _summed(
        "mart_load_weekday_hour", ["iso_weekday", "hour_of_day"], sums, filters, extra=[WEEKS_COUNTED]
    )
    return publish(
        metrics.weekday_hour(by_hour),
        metrics.HEATMAP_SUPPRESS,
        totals=_cross_table("iso_weekday", "hour_of_day"),
    )


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def doctor_load(
    start: dt.date, end: dt.date, okrug_id: str | None, facility_id: int | None, specialty_id: str | None
) -> pl.DataFrame:
    filters = _weekly_filters(start, end, okrug_id, facility_id, specialty_id)
    frame = metrics.doctor_load(_read("mart_doctor_load_weekly", filters=filters))
    return publish(frame, metrics.DOCTOR_SUPPRESS)


# ------------------------------------------------------------------------------------ costs, prescribing


def _month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _finance(start: dt.date, end: dt.date, okrug_id: str | None) -> pl.DataFrame:
    filters = _in({"month_start": (_month_start(start), end)}, "okrug_id", okrug_id)
    return _read("mart_finance_monthly", filters=filters, order_by=["month_start", "facility_id"])


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def costs_by_facility(
    start: dt.date, end: dt.date, okrug_id: str | None, facility_id: int | None
) -> pl.DataFrame:
    frame = _finance(start, end, okrug_id)
    if facility_id is not None:
        frame = frame.filter(pl.col("facility_id") == facility_id)
    return publish(metrics.costs_by_facility(frame), metrics.COST_SUPPRESS)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def costs_by_okrug(start: dt.date, end: dt.date, okrug_id: str | None) -> pl.DataFrame:
    """Costs by okrug: the aggregate view for roles that see no named facility."""
    frame = metrics.costs_by(_finance(start, end, okrug_id), ["okrug_id"])
    return publish(frame, metrics.COST_SUPPRESS)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def costs_monthly(
    start: dt.date, end: dt.date, okrug_id: str | None, facility_id: int | None
) -> pl.DataFrame:
    frame = _finance(start, end, okrug_id)
    if facility_id is not None:
        frame = frame.filter(pl.col("facility_id") == facility_id)
    return publish(metrics.costs_monthly(frame), metrics.COST_SUPPRESS)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _prescribing(start: dt.date, end: dt.date, okrug_id: str | None) -> pl.DataFrame:
    filters = _in({"month_start": (_month_start(start), end)}, "okrug_id", okrug_id)
    return _read("mart_prescribing_monthly", filters=filters)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def prescribing_by_group(start: dt.date, end: dt.date, okrug_id: str | None) -> pl.DataFrame:
    frame = metrics.prescribing_by_group(_prescribing(start, end, okrug_id))
    return publish(frame, metrics.PRESCRIBING_SUPPRESS, nested=metrics.PRESCRIBING_NESTED)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def prescribing_monthly(start: dt.date, end: dt.date, okrug_id: str | None) -> pl.DataFrame:
    frame = metrics.prescribing_monthly(_prescribing(start, end, okrug_id))
    return publish(frame, metrics.PRESCRIBING_SUPPRESS, nested=metrics.PRESCRIBING_NESTED)


# ------------------------------------------------------------------------------------------- registers


@st.cache_resource(show_spinner=False)  # the definitions are files shipped with the code: read them once
def register_choices() -> list[tuple[str, str]]:
    """(code, English title) of every register definition (registers.load_registers)."""
    from registers import load_registers

    return [(r.code, r.title_en) for r in load_registers()]


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def registers_by_size(year: int) -> list[tuple[str, str]]:
    """(code, title) of every register, the one with the most patients in `year` first (the page opens on
    it: the largest register is the one whose rates are least often suppressed)."""
    require_marts("mart_register_prevalence")
    sizes = read_sql(
        "select register_code, sum(registered_patients) as patients from marts.mart_register_prevalence"
        " where year = {p} group by register_code",
        [year],
    )
    size = dict(zip(sizes["register_code"].to_list(), sizes["patients"].to_list(), strict=True))
    return sorted(register_choices(), key=lambda choice: (-(size.get(choice[0]) or 0), choice[1]))


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def register_years() -> list[int]:
    require_marts("mart_register_prevalence")
    years = read_sql("select distinct year from marts.mart_register_prevalence order by year")
    return [int(y) for y in years["year"].to_list()]


def default_register_year(years: list[int], period_end: dt.date) -> int:
    """Index of the year to show first: the period's last year, unless that year has barely begun (a
    prevalence of its first days says little), then the year before."""
    wanted = (period_end - dt.timedelta(days=90)).year
    return years.index(wanted) if wanted in years else len(years) - 1


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def register_rates(
    register: str, year: int, measure: str, by: tuple[str, ...], with_city: bool = False
) -> pl.DataFrame:
    """Prevalence or incidence (registers' own methods, unsuppressed), suppressed here like any reader.

    The groups get complementary suppression against their margins (the okrugs against the city, a sex x age
    table against each sex and band), since those are published too; with_city adds the whole city as a last
    row (`okrug_name` "Whole city")."""
    count = "registered_patients" if measure == "prevalence" else "new_cases"
    frame = _register_rates(register, year, measure, by)
    rates = [c for c in frame.columns if c.startswith(("crude_", "dsr")) and c != "dsr_note"]
    frame = publish(frame, {count: rates}, totals=margins(_group_columns(frame, by)))
    if with_city:
        city = publish(_register_rates(register, year, measure, ()), {count: rates})
        frame = pl.concat([frame, city.with_columns(okrug_name=pl.lit(WHOLE_CITY))], how="diagonal_relaxed")
    return frame


def _group_columns(frame: pl.DataFrame, by: Sequence[str]) -> list[str]:
    """The frame's columns of the register groups `by` (okrug -> okrug_id)."""
    from registers.prevalence import GROUPS

    return [c for c in dict.fromkeys(GROUPS[b] for b in by) if c in frame.columns]


WHOLE_CITY = "Whole city"


def _register_rates(register: str, year: int, measure: str, by: tuple[str, ...]) -> pl.DataFrame:
    import registers

    mart = {"prevalence": "mart_register_prevalence", "incidence": "mart_register_incidence"}[measure]
    require_marts(mart, "dim_registers")
    standardise = None if "age_band" in by else "esp2013"
    try:
        frame = getattr(registers, measure)(
            register, year, by=list(by), standardise=standardise, suppress=False, con=_con()
        )
    except LookupError as e:
        raise NoData(str(e)) from e
    return pl.from_pandas(frame)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def register_coverage(register: str, year: int) -> pl.DataFrame:
    import registers

    require_marts("mart_register_coverage")
    try:
        frame = pl.from_pandas(registers.coverage(register, year, by="okrug", suppress=False, con=_con()))
    except LookupError as e:
        raise NoData(str(e)) from e
    rules = registers.coverage_disclosure(frame, ["okrug_id"])
    return publish(frame, rules["also"], totals=rules["totals"], nested=rules["nested"])


# ------------------------------------------------------------------------------------------ hospitals
# Inpatient care (issue 14): the marts of dbt_project/models/marts/hospitals, aggregated to the grain a page
# shows and published like every reader. Admissions, discharges, index stays and readmissions count stays of
# patients; occupied bed-days count patient-nights: each below 5 is suppressed with what is computed from it.

HOSPITAL_OCCUPANCY_SUPPRESS = {
    "occupied_bed_days": ["occupancy_pct"],
    "admissions": [],
    "discharges": ["bed_turnover"],
}
HOSPITAL_LOS_SUPPRESS = {"discharges": ["alos_days", "median_los_days", "p90_los_days", "share_over_30_days"]}
READMISSION_SUPPRESS = {
    "index_stays": ["readmission_rate"],
    "unplanned_readmissions_30d": ["readmission_rate"],
}
AVOIDABLE_SUPPRESS_KEYS = ("pqi_number", "year")


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def hospital_occupancy(start: dt.date, end: dt.date, by_month: bool = False) -> pl.DataFrame:
    """Bed occupancy by hospital x bed profile (x month) over [start, end]: occupied bed-days (the midnight
    census summed), available bed-days (the staffed beds summed), occupancy % (their ratio x 100),
    admissions, discharges and bed turnover (discharges per average staffed bed)."""
    by = ["hospital_id", "bed_profile", *(["month_start"] if by_month else [])]
    frame = _summed(
        "mart_bed_occupancy_daily",
        by,
        ["midnight_census", "beds", "admissions", "discharges"],
        {"date_day": (start, end)},
        extra=["count(distinct date_day) as days"],
    ).rename({"midnight_census": "occupied_bed_days", "beds": "available_bed_days"})
    frame = frame.with_columns(
        occupancy_pct=100 * pl.col("occupied_bed_days") / pl.col("available_bed_days"),
        bed_turnover=pl.col("discharges") * pl.col("days") / pl.col("available_bed_days"),
    ).sort(by)
    totals = [["hospital_id", "bed_profile"], []] if by_month else list(WHOLE_TABLE)
    return publish(frame, HOSPITAL_OCCUPANCY_SUPPRESS, totals=totals)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def hospital_length_of_stay(start: dt.date, end: dt.date) -> pl.DataFrame:
    """Length of stay of the stays discharged in [start, end] by hospital x bed profile x admission type
    (planned, emergency): discharges, ALOS, median, 90th percentile (days) and the share over 30 days.
    Percentiles are not additive across months: computed here from the stays (fct_hospital_stays)."""
    require_marts("fct_hospital_stays")
    where, params = where_clause({"discharged_date": (start, end)})
    sql = (
        "select hospital_id, discharging_bed_profile as bed_profile, admission_type, count(*) as discharges,"
        " avg(length_of_stay_days) as alos_days,"
        " percentile_cont(0.5) within group (order by length_of_stay_days) as median_los_days,"
        " percentile_cont(0.9) within group (order by length_of_stay_days) as p90_los_days,"
        " avg(case when length_of_stay_days > 30 then 1.0 else 0.0 end) as share_over_30_days"
        f" from marts.fct_hospital_stays{where} group by 1, 2, 3 order by 1, 2, 3"
    )
    try:
        frame = read_sql(sql, params)
    except WarehouseNotBuiltError as e:
        raise NoData(str(e)) from e
    return publish(frame, HOSPITAL_LOS_SUPPRESS, totals=[["hospital_id", "bed_profile"], []])


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def hospital_readmissions(start: dt.date, end: dt.date) -> pl.DataFrame:
    """30-day unplanned readmissions of the index stays discharged in the months of [start, end], by
    hospital x bed profile: index stays, readmissions (within them) and the rate."""
    frame = _summed(
        "mart_readmissions_monthly",
        ["hospital_id", "bed_profile"],
        ["index_stays", "unplanned_readmissions_30d"],
        {"discharge_month": (_month_start(start), end)},
    )
    frame = frame.with_columns(
        readmission_rate=pl.col("unplanned_readmissions_30d") / pl.col("index_stays")
    ).sort("hospital_id", "bed_profile")
    return publish(frame, READMISSION_SUPPRESS, nested=[("unplanned_readmissions_30d", "index_stays")])


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def avoidable_admissions(year: int, pqi: str, facility_kind: str) -> pl.DataFrame:
    """A PQI's avoidable admissions per 100,000 attached adults of each polyclinic of a kind, crude and
    age-sex standardised, placed on the funnel of those peers (`registers.avoidable`), published."""
    from registers.avoidable import avoidable_admissions as rates

    require_marts("mart_avoidable_admissions_yearly")
    peers = facilities().filter(pl.col("facility_kind") == facility_kind)["facility_id"].to_list()
    try:
        frame = rates(pqi, year, facilities=peers, suppress=False, con=_con())
    except LookupError as e:
        raise NoData(str(e)) from e
    frame = pl.from_pandas(frame)
    derived = [c for c in frame.columns if c.startswith(("crude_", "dsr")) and c != "dsr_note"]
    return publish(frame, {"admissions": [*derived, "significance"]}, totals=[list(AVOIDABLE_SUPPRESS_KEYS)])


# -------------------------------------------------------------------------------------- data quality


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def load_freshness() -> pl.DataFrame:
    return _read("mart_load_freshness", order_by=["table_name"])


# the columns of the checks' table, in the order the page shows them
QUALITY_CHECK_COLUMNS = [
    "table_name",
    "column_name",
    "rule_label",
    "rule_name",
    "rows_this_week",
    "rows_previous_week",
    "quarantined_share_this_week",
    "quarantined_rows",
    "quarantined_share",
    "partitions",
    "first_partition_date",
    "last_partition_date",
    "rule_description",
]
QUALITY_CHECK_KEY = ["table_name", "column_name", "rule_name"]


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def quality_checks() -> pl.DataFrame:
    """The checks (source table x column x rule, mart_quality_checks) that quarantined rows: those that
    caught most rows in the latest loaded week first, then most in all. Counts of rows, not of patients:
    nothing to suppress."""
    frame = _read("mart_quality_checks")
    order = ["rows_this_week", "quarantined_rows", *QUALITY_CHECK_KEY]
    return frame.sort(order, descending=[True, True, False, False, False]).select(QUALITY_CHECK_COLUMNS)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def quality_week() -> dict | None:
    """The latest loaded week the checks count in, or None when no check has caught a row:
    {"week_start", "latest_partition_date"} (dates), and the checks that caught rows in it and in the week
    before ({"checks_this_week", "checks_previous_week"})."""
    columns = ["week_start", "latest_partition_date", "rows_this_week", "rows_previous_week"]
    frame = _read("mart_quality_checks", columns=columns)
    if frame.is_empty():
        return None
    return frame.select(
        pl.col("week_start").first(),
        pl.col("latest_partition_date").first(),
        (pl.col("rows_this_week") > 0).sum().alias("checks_this_week"),
        (pl.col("rows_previous_week") > 0).sum().alias("checks_previous_week"),
    ).row(0, named=True)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def quality_check_examples() -> pl.DataFrame:
    """The first rows each check quarantined (mart_quality_check_examples), in the order of
    `quality_checks()`, with the check's label: where the row is (source table, day, file, row) and what
    was wrong. The marts withhold patient identifiers."""
    checks = quality_checks().select(*QUALITY_CHECK_KEY, "rule_label").with_row_index("check_order")
    examples = _read("mart_quality_check_examples")
    return (
        examples.join(checks, on=QUALITY_CHECK_KEY, how="left")
        .sort("check_order", "example_number")
        .select(
            "table_name",
            "column_name",
            "rule_label",
            "partition_date",
            "file_name",
            "row_number",
            "message",
        )
    )


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def failing_reconciliations() -> pl.DataFrame:
    return _read(
        "mart_load_reconciliation",
        filters={"is_reconciled": False},
        order_by=["table_name", "partition_date"],
    )


# ------------------------------------------------------------------------------------- hospital pages
# What the Hospitals page and the chief physician's avoidable admissions read, beyond the hospital readers
# above: the grains those pages draw, and the hospitals, bed profiles, admission types and PQIs by name.

LOS_SUPPRESS = {"discharges": ["alos_days", "median_los_days", "p90_los_days", "share_over_30_days"]}
OCCUPANCY_GRID_SUPPRESS = {"occupied_bed_days": ["occupancy_pct"]}
PLANNED_CARE_SUPPRESS = {
    "referred_admissions": ["admitted_within_standard_share"],
    "admitted_within_standard": ["admitted_within_standard_share"],
    "discharges_home": ["followed_up_share"],
    "followed_up_within_7_days": ["followed_up_share"],
}
PLANNED_CARE_NESTED = (
    ("admitted_within_standard", "referred_admissions"),
    ("followed_up_within_7_days", "discharges_home"),
)
#: the longest period the occupancy heat map draws by day; longer ones by ISO week
OCCUPANCY_DAYS_BY_DAY = 42


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def hospital_names() -> dict[str, str]:
    """hospital_id (as text) -> name, from `dim_hospitals`."""
    rows = _read("dim_hospitals", columns=["hospital_id", "hospital_name"])
    return dict(zip(rows["hospital_id"].cast(pl.Utf8), rows["hospital_name"], strict=True))


def with_hospital_names(frame: pl.DataFrame) -> pl.DataFrame:
    """The frame with `hospital_name`, `bed_profile_name`, `admission_type_name` and `pqi_name` beside the
    codes it has (dashboards/components/format.py names the vocabularies)."""
    from dashboards.components import format as fmt

    vocabularies = {
        "bed_profile": ("bed_profile_name", fmt.BED_PROFILE_NAMES),
        "admission_type": ("admission_type_name", fmt.ADMISSION_TYPE_NAMES),
        "pqi_number": ("pqi_name", fmt.PQI_NAMES),
    }
    if "hospital_id" in frame.columns and "hospital_name" not in frame.columns:
        vocabularies["hospital_id"] = ("hospital_name", hospital_names())
    named = [
        pl.col(code).cast(pl.Utf8).replace_strict(mapping, default=pl.col(code).cast(pl.Utf8)).alias(name)
        for code, (name, mapping) in vocabularies.items()
        if code in frame.columns and name not in frame.columns
    ]
    return frame.with_columns(named) if named else frame


def occupancy_grain(start: dt.date, end: dt.date) -> str:
    """ "day" for a period of up to OCCUPANCY_DAYS_BY_DAY days, else "week" (a year by day is 365 columns)."""
    return "day" if (end - start).days < OCCUPANCY_DAYS_BY_DAY else "week"


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def occupancy_grid(
    start: dt.date, end: dt.date, rows: tuple[str, ...] = ("hospital_id", "bed_profile")
) -> pl.DataFrame:
    """Bed occupancy by `rows` (hospital_id, bed_profile or both: `OCCUPANCY_ROWS`) x day (`date_day`) or
    ISO week (`week_start`, its days within [start, end]; see `occupancy_grain`): occupied bed-days (the
    midnight census summed), available bed-days (staffed beds summed) and occupancy % (x 100). A cross
    table: suppressed along both margins. Raises ValueError on rows other than those."""
    if not rows or set(rows) - {"hospital_id", "bed_profile"}:
        raise ValueError(f"occupancy rows are hospital_id and/or bed_profile, not {rows!r}")
    grain = occupancy_grain(start, end)
    frame = _summed(
        "mart_bed_occupancy_daily",
        [*rows, *(["date_day"] if grain == "day" else [])],
        ["midnight_census", "beds"],
        {"date_day": (start, end)},
        week_of="date_day" if grain == "week" else None,
    ).rename({"midnight_census": "occupied_bed_days", "beds": "available_bed_days"})
    period = "date_day" if grain == "day" else "week_start"
    frame = frame.with_columns(
        occupancy_pct=100 * pl.col("occupied_bed_days") / pl.col("available_bed_days")
    ).sort(*rows, period)
    totals = [list(rows), [period], []]
    return with_hospital_names(publish(frame, OCCUPANCY_GRID_SUPPRESS, totals=totals))


#: what the occupancy heat map's rows can be, as the page offers them
OCCUPANCY_ROWS = {
    "Bed profiles (the city)": ("bed_profile",),
    "Hospitals": ("hospital_id",),
    "Hospitals and bed profiles": ("hospital_id", "bed_profile"),
}


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def occupancy_by_hospital_profile(start: dt.date, end: dt.date) -> pl.DataFrame:
    """`hospital_occupancy` (hospital x bed profile over the period) with names."""
    return with_hospital_names(hospital_occupancy(start, end))


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def length_of_stay_by_profile(start: dt.date, end: dt.date) -> pl.DataFrame:
    """Length of stay of the city's stays discharged in [start, end] by bed profile x admission type:
    discharges, ALOS, median, 90th percentile (days), share over 30 days (percentiles from the stays)."""
    require_marts("fct_hospital_stays")
    where, params = where_clause({"discharged_date": (start, end)})
    sql = (
        "select discharging_bed_profile as bed_profile, admission_type, count(*) as discharges,"
        " avg(length_of_stay_days) as alos_days,"
        " percentile_cont(0.5) within group (order by length_of_stay_days) as median_los_days,"
        " percentile_cont(0.9) within group (order by length_of_stay_days) as p90_los_days,"
        " avg(case when length_of_stay_days > 30 then 1.0 else 0.0 end) as share_over_30_days"
        f" from marts.fct_hospital_stays{where} group by 1, 2 order by 1, 2"
    )
    try:
        frame = read_sql(sql, params)
    except WarehouseNotBuiltError as e:
        raise NoData(str(e)) from e
    if frame.is_empty():
        raise NoData("no stay discharged in this period")
    return with_hospital_names(
        publish(frame, LOS_SUPPRESS, totals=_cross_table("bed_profile", "admission_type"))
    )


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def length_of_stay_by_hospital(start: dt.date, end: dt.date) -> pl.DataFrame:
    """`hospital_length_of_stay` (hospital x bed profile x admission type) with names."""
    return with_hospital_names(hospital_length_of_stay(start, end))


def _readmissions(start: dt.date, end: dt.date, by: Sequence[str]) -> pl.DataFrame:
    """Index stays discharged in the months of [start, end], their unplanned readmissions within 30 days
    and the rate (0-1) by `by`, published. Rows without an index stay are left out before suppression: a
    children's hospital has none by definition (the measure counts adults), and a zero there would only
    take a real count with it by secondary suppression. Raises NoData when no row has an index stay."""
    frame = _summed(
        "mart_readmissions_monthly",
        by,
        ["index_stays", "unplanned_readmissions_30d"],
        {"discharge_month": (_month_start(start), end)},
    ).filter(pl.col("index_stays") > 0)
    if frame.is_empty():
        raise NoData("no index stay discharged in this period has its 30 days of follow-up in the data yet")
    frame = frame.with_columns(
        readmission_rate=pl.col("unplanned_readmissions_30d") / pl.col("index_stays")
    ).sort(by)
    published = publish(frame, READMISSION_SUPPRESS, nested=[("unplanned_readmissions_30d", "index_stays")])
    return with_hospital_names(published)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def readmissions_by_hospital(start: dt.date, end: dt.date) -> pl.DataFrame:
    """30-day unplanned readmissions by hospital discharged from (`_readmissions`)."""
    return _readmissions(start, end, ["hospital_id"])


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def readmissions_by_hospital_profile(start: dt.date, end: dt.date) -> pl.DataFrame:
    """30-day unplanned readmissions by hospital x bed profile discharged from (`_readmissions`)."""
    return _readmissions(start, end, ["hospital_id", "bed_profile"])


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def planned_care_by_polyclinic(start: dt.date, end: dt.date) -> pl.DataFrame:
    """Planned care by polyclinic of attachment over the months of [start, end] (mart_planned_care_monthly):
    planned admissions by referral and those within the standard (14 working days from the referral, 7 for
    oncology) with their share (0-1); discharges home and those seen in the polyclinic within 7 days with
    their share. Raises NoData when the months hold neither."""
    frame = _summed(
        "mart_planned_care_monthly",
        ["facility_id"],
        ["referred_admissions", "admitted_within_standard", "discharges_home", "followed_up_within_7_days"],
        {"month_start": (_month_start(start), end)},
    )
    if frame.is_empty():
        raise NoData("no planned admission and no discharge home in this period")
    frame = frame.with_columns(
        admitted_within_standard_share=pl.col("admitted_within_standard") / pl.col("referred_admissions"),
        followed_up_share=pl.col("followed_up_within_7_days") / pl.col("discharges_home"),
    ).sort("facility_id")
    return publish(frame, PLANNED_CARE_SUPPRESS, nested=PLANNED_CARE_NESTED)


# ------------------------------------------------------------------- avoidable admissions against peers

AVOIDABLE_COLUMNS = ("pqi_number", "year", "facility_id", "admissions", "population", "crude_rate", "dsr")


def _avoidable_unpublished(year: int, pqi: str, facility_kind: str) -> pl.DataFrame:
    """The PQI's rates of every polyclinic of a kind before suppression (registers.avoidable), with PHE's
    derived denominator of each DSR (`standardised_population`: 100,000 x admissions / DSR, where the unit
    is drawn on a DSR funnel; none below 10 admissions) and the funnel's target `pooled_dsr` (PHE's
    baseline: the admissions over the derived denominators, per 100,000)."""
    from registers import phe_funnel_points
    from registers.avoidable import PER
    from registers.avoidable import avoidable_admissions as rates

    require_marts("mart_avoidable_admissions_yearly")
    peers = facilities().filter(pl.col("facility_kind") == facility_kind)["facility_id"].to_list()
    try:
        frame = rates(pqi, year, facilities=peers, suppress=False, con=_con())
    except LookupError as e:
        raise NoData(str(e)) from e
    placed = phe_funnel_points(
        frame, "admissions", "dsr", "population", rate_type="dsr", years_of_data=1, multiplier=PER
    )
    frame["standardised_population"] = placed["denominator_derived"].to_numpy()
    derived = frame["standardised_population"]
    frame["pooled_dsr"] = PER * frame["admissions"].sum() / derived.sum() if derived.notna().any() else None
    return pl.from_pandas(frame)


def _avoidable_published(frame: pl.DataFrame) -> pl.DataFrame:
    derived = [c for c in frame.columns if c.startswith(("crude_", "dsr")) and c not in ("dsr_note",)] + [
        "significance",
        "standardised_population",
    ]
    return with_hospital_names(publish(frame, {"admissions": derived}))


def _anonymous_peers(frame: pl.DataFrame, own_facility: int | None) -> pl.DataFrame:
    """No id or name for any polyclinic but one's own (a chief physician's view)."""
    own = pl.col("facility_id") == own_facility
    return frame.with_columns(
        facility_name=pl.when(own).then(pl.col("facility_name")).otherwise(pl.lit("peer")),
        facility_id=pl.when(own).then(pl.col("facility_id")).otherwise(None),
    ).sort("facility_id", nulls_last=True)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def avoidable_funnel(
    year: int, pqi: str, facility_kind: str, own_facility: int | None = None, peers_named: bool = True
) -> pl.DataFrame:
    """One row per polyclinic of a kind: the PQI's admissions of its attached adults in the year, the
    residents of the measure's ages, crude rate and DSR per 100,000 with limits, `significance` against the
    peers (registers.avoidable), `standardised_population` and `pooled_dsr` for drawing the funnel;
    published, and with peers_named=False every polyclinic but `own_facility` anonymous."""
    frame = _avoidable_published(_avoidable_unpublished(year, pqi, facility_kind))
    return frame if peers_named else _anonymous_peers(frame, own_facility)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def avoidable_table(
    year: int, pqi: str, facility_kind: str, own_facility: int | None = None, peers_named: bool = True
) -> pl.DataFrame:
    """The comparison as a table: every polyclinic by name, or (a chief physician) one's own and the peers
    as one row (admissions and residents summed, the pooled crude rate; no DSR of the pool)."""
    from registers.avoidable import PER

    frame = _avoidable_unpublished(year, pqi, facility_kind)
    columns = [*AVOIDABLE_COLUMNS, "dsr_lower95_0cl", "dsr_upper95_0cl", "dsr_note", "significance"]
    frame = with_names(frame.select([c for c in columns if c in frame.columns]))
    if not peers_named:
        others = frame.filter(pl.col("facility_id") != own_facility)
        peers = others.select(
            pl.col("pqi_number").first(),
            pl.col("year").first(),
            pl.lit(None, dtype=frame["facility_id"].dtype).alias("facility_id"),
            pl.col("admissions").sum(),
            pl.col("population").sum(),
        ).with_columns(
            crude_rate=PER * pl.col("admissions") / pl.col("population"),
            facility_name=pl.lit(f"all {others.height} peers"),
        )
        own = frame.filter(pl.col("facility_id") == own_facility)
        frame = pl.concat([own, peers], how="diagonal_relaxed")
    return _avoidable_published(frame)


#: length-of-stay bands (days, inclusive): short stays to the long stays over 30 days the marts count apart
LOS_BANDS = ((0, 1), (2, 3), (4, 7), (8, 14), (15, 30), (31, None))


def _los_band_sql(column: str) -> str:
    cases = " ".join(
        f"when {column} <= {high} then '{low}–{high} days'" for low, high in LOS_BANDS if high is not None
    )
    return f"case {cases} else '{LOS_BANDS[-1][0]}+ days' end"


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def length_of_stay_bands(start: dt.date, end: dt.date) -> pl.DataFrame:
    """The distribution of length of stay: the city's stays discharged in [start, end] by bed profile x band
    of days (`LOS_BANDS`, "0–1 days" ... "31+ days"): discharges and their share of the profile's discharges
    (0-1). A cross table: suppressed along both margins, the share with its count."""
    require_marts("fct_hospital_stays")
    where, params = where_clause({"discharged_date": (start, end)})
    sql = (
        f"select discharging_bed_profile as bed_profile, {_los_band_sql('length_of_stay_days')} as los_band,"
        f" count(*) as discharges from marts.fct_hospital_stays{where} group by 1, 2"
    )
    try:
        frame = read_sql(sql, params)
    except WarehouseNotBuiltError as e:
        raise NoData(str(e)) from e
    if frame.is_empty():
        raise NoData("no stay discharged in this period")
    frame = frame.with_columns(
        share_of_profile=pl.col("discharges") / pl.col("discharges").sum().over("bed_profile"),
        _order=pl.col("los_band").str.extract(r"^(\d+)").cast(pl.Int64),
    ).sort("bed_profile", "_order")
    published = publish(
        frame.drop("_order"),
        {"discharges": ["share_of_profile"]},
        totals=_cross_table("bed_profile", "los_band"),
    )
    return with_hospital_names(published)
