"""Pure figure builders: a frame in, a Plotly figure out (no Streamlit, no data access).

Categories are drawn by name (the read layer puts `specialty_name`, `okrug_name`... beside the codes), as
horizontal bars so long names stay readable. Axes take their formats and titles from the formatting layer
(components/format.py), so a share is a % on the axis as in the table. Suppressed values arrive as nulls with
a `<col>_suppressed` flag (dashboards/data.py); a chart leaves them out and says how many of the values it
draws it left out, so a gap is never read as a zero.
"""

from __future__ import annotations

import re

import numpy as np
import plotly.graph_objects as go
import polars as pl

from dashboards.components import format as fmt
from registers import funnel_limits
from warehouse.calendar import year_ago

# NHS booking bands, shortest wait first, coloured from green (soon) to red (long)
BAND_COLOURS = ("#1a9850", "#66bd63", "#a6d96a", "#fee08b", "#fdae61", "#f46d43", "#d73027")
OWN_COLOUR, PEER_COLOUR = "crimson", "steelblue"


def hidden_count(frame: pl.DataFrame, columns: list[str]) -> int:
    """How many of the values drawn from `columns` were left out because they were suppressed: nulls in rows
    whose suppression flag is set (a null for another reason is not counted)."""
    flags = [c for c in frame.columns if c.endswith("_suppressed")]
    drawn = [c for c in columns if c in frame.columns]
    if not flags or not drawn or frame.is_empty():
        return 0
    flagged = pl.any_horizontal(flags)
    return int(frame.select(sum((pl.col(c).is_null() & flagged).cast(pl.Int64) for c in drawn).sum()).item())


def _finish(fig: go.Figure, frame: pl.DataFrame, title: str, drawn: list[str], note: str = "", **layout):
    """Title (with the notes: what was left out, and why), margins and the legend below the plot."""
    notes = [note] if note else []
    hidden = hidden_count(frame, drawn)
    if hidden:
        values = frame.height * len([c for c in drawn if c in frame.columns])
        notes.append(
            f"{hidden} of {values:,} values not shown: fewer than {fmt.SMALL_CELL} patients, or giving such a"
            " count away (suppressed)"
        )
    if notes:
        title += "<br><sup>" + "; ".join(notes) + "</sup>"
    layout = {"margin": {"t": 80, "b": 40}, "legend": {"orientation": "h", "y": -0.2}, **layout}
    fig.update_layout(title=title, **layout)
    return fig


def _values(frame: pl.DataFrame, column: str) -> list:
    return frame[column].to_list() if column in frame.columns else [None] * frame.height


def _names(frame: pl.DataFrame, category: str) -> list[str]:
    """The category's names: its name column when the frame has one, else its values written as words."""
    name = fmt.NAME_OF.get(category)
    if name in frame.columns:
        return [n if n is not None else fmt.EMPTY for n in frame[name].to_list()]
    kind = fmt.column(category).kind
    return [fmt.value(v, kind) for v in _values(frame, category)]


def _axis(column: str, **extra) -> dict:
    kind = fmt.column(column).kind
    axis = {"tickformat": fmt.tick_format(kind), **extra}
    if kind == "percent":
        axis["ticksuffix"] = "%"
    if kind == "roubles":
        axis["ticksuffix"] = " ₽"
    return axis


def _bar_height(categories: int) -> int:
    return max(320, 110 + 26 * categories)


# ----------------------------------------------------------------------------------------------- trends


def year_ago_drawn_over(last_year: pl.DataFrame, this_period: pl.DataFrame) -> pl.DataFrame:
    """The year-ago weeks placed on the weeks of this period they are compared with (warehouse/calendar.py
    `year_ago`: the same ISO week of the previous ISO year, week 52 for a week 53), so each point sits
    above its own week whether the year between had 52 or 53 weeks. Rows: one per week of `this_period`
    that has its year-ago week in `last_year`, `week_start` the week of this period."""
    weeks = this_period.select("week_start").unique()
    weeks = weeks.with_columns(
        pl.col("week_start").map_elements(year_ago, return_dtype=pl.Date).alias("_year_ago")
    )
    return (
        weeks.join(last_year.rename({"week_start": "_year_ago"}), on="_year_ago", how="inner")
        .drop("_year_ago")
        .sort("week_start")
    )


def weekly_trend(this_period: pl.DataFrame, last_year: pl.DataFrame, column: str, title: str) -> go.Figure:
    """A weekly line for the period and, dashed beside it, the same weeks a year earlier (or a note that the
    data do not reach back that far). Only complete weeks should be passed: a partial week is a cliff."""
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(x=_values(this_period, "week_start"), y=_values(this_period, column), name="This period")
    )
    note = ""
    if last_year.is_empty() or last_year[column].is_null().all():
        note = "no data for the same weeks a year earlier"
    else:
        shifted = year_ago_drawn_over(last_year, this_period)
        fig.add_trace(
            go.Scatter(
                x=_values(shifted, "week_start"),
                y=_values(shifted, column),
                name="The same weeks a year earlier",
                line={"dash": "dash"},
            )
        )
    return _finish(
        fig,
        this_period,
        title,
        [column],
        note,
        xaxis_title="Week starting",
        yaxis=_axis(column, rangemode="tozero"),
    )


def bar_by(
    frame: pl.DataFrame,
    category: str,
    column: str,
    title: str,
    reference: tuple[float, str] | None = None,
) -> go.Figure:
    """One horizontal bar per category (by name), longest first; reference: (value, label) drawn as a line."""
    order = frame.sort(column, descending=False, nulls_last=False)
    fig = go.Figure(
        go.Bar(
            y=_names(order, category),
            x=_values(order, column),
            orientation="h",
            name=fmt.label(column),
            hovertemplate="%{y}: %{x}<extra></extra>",
        )
    )
    if reference is not None:
        fig.add_vline(x=reference[0], line_dash="dot", annotation_text=reference[1])
    return _finish(
        fig,
        frame,
        title,
        [column],
        xaxis=_axis(column, title=fmt.label(column)),
        height=_bar_height(frame.height),
        showlegend=False,
    )


def daily_load_figure(daily: pl.DataFrame) -> go.Figure:
    """Slots offered, booked and attended by day, with utilisation on a second axis."""
    fig = go.Figure()
    for col in ("slots_offered", "slots_booked", "attended"):
        fig.add_trace(
            go.Scatter(
                x=_values(daily, "slot_date"), y=_values(daily, col), name=fmt.label(col), mode="lines"
            )
        )
    fig.add_trace(
        go.Scatter(
            x=_values(daily, "slot_date"),
            y=_values(daily, "utilisation"),
            name=fmt.label("utilisation"),
            mode="lines",
            line={"dash": "dot"},
            yaxis="y2",
        )
    )
    return _finish(
        fig,
        daily,
        "Facility load by day",
        ["slots_offered", "slots_booked", "attended", "utilisation"],
        xaxis_title="Day",
        yaxis={"title": "Slots or visits", "tickformat": ","},
        yaxis2={
            "title": fmt.label("utilisation"),
            "overlaying": "y",
            "side": "right",
            "tickformat": ".0%",
            "range": [0, 1],
        },
    )


# ----------------------------------------------------------------------------------------------- funnels


def funnel_plot(
    frame: pl.DataFrame,
    *,
    count: str,
    denominator: str,
    label: str,
    title: str,
    statistic: str = "proportion",
    multiplier: float = 1,
    highlight: object = None,
    names: str = "facility_name",
    key: str = "facility_id",
    points: str = "Peers",
    y_format: str = ".0%",
    target: float | None = None,
    note: str = "",
) -> go.Figure:
    """Units against the pooled value with 95% and 99.8% control limits (registers.funnel_limits).

    count/denominator: the numerator and denominator columns (e.g. no-shows over appointments); `names`
    labels the points (the read layer has already anonymised peers where the role requires); `highlight`
    is the key of the unit drawn apart; y_format: the Plotly format of the value axis. target: the plain
    value the units are compared with (default: pooled over the units drawn, sum(count) / sum(denominator));
    note: said under the title.
    """
    usable = frame.filter(pl.col(count).is_not_null() & (pl.col(denominator) > 0))
    fig = go.Figure()
    layout = {
        "xaxis": {"title": fmt.label(denominator), "tickformat": ","},
        "yaxis": {"title": label, "tickformat": y_format},
    }
    if usable.is_empty():
        return _finish(fig, frame, title, [count, denominator], "no unit to compare", **layout)
    n = usable[denominator].cast(pl.Float64).to_numpy()
    if target is None:
        target = float(usable[count].sum()) / float(n.sum())
    grid = np.geomspace(max(n.min() * 0.8, 1e-9), n.max() * 1.2, 100)
    limits = funnel_limits(target, grid, statistic=statistic, multiplier=multiplier)
    for level, dash in (("95_0", "dash"), ("99_8", "dot")):
        for side in ("lower", "upper"):
            col = f"{side}{level}cl"
            fig.add_trace(
                go.Scatter(
                    x=grid,
                    y=limits[col],
                    mode="lines",
                    line={"dash": dash, "color": "grey", "width": 1},
                    name=f"{'95%' if level == '95_0' else '99.8%'} limits",
                    showlegend=side == "lower",
                    hoverinfo="skip",
                )
            )
    fig.add_hline(y=target * multiplier, line_color="grey", annotation_text="pooled value")
    values = (usable[count].cast(pl.Float64) / usable[denominator].cast(pl.Float64) * multiplier).to_list()
    is_own = (
        [v == highlight for v in usable[key].to_list()] if highlight is not None else [False] * usable.height
    )
    text = [str(t) for t in usable[names].to_list()]
    hover = "%{text}: %{y:" + y_format + "} (%{x:,.0f})<extra></extra>"
    for own in (False, True):
        idx = [i for i, o in enumerate(is_own) if o == own]
        if not idx:
            continue
        fig.add_trace(
            go.Scatter(
                x=[n[i] for i in idx],
                y=[values[i] for i in idx],
                mode="markers",
                text=[text[i] for i in idx],
                marker={"size": 12 if own else 8, "color": OWN_COLOUR if own else PEER_COLOUR},
                name="This facility" if own else points,
                hovertemplate=hover,
            )
        )
    return _finish(fig, frame, title, [count, denominator], note, **layout)


def cost_funnel(frame: pl.DataFrame, *, title: str, highlight: object = None) -> go.Figure:
    """Cost per visit against the peers' pooled cost per visit.

    Costs are not counts, so the limits treat a facility's expenses as visit-equivalents at the pooled cost
    (observed) against its visits (expected): a Poisson ratio funnel (registers.funnel_limits "ratio")
    scaled back to roubles. It is the usual indirect-standardisation reading of a cost funnel, and wider
    for small facilities as it should be.
    """
    usable = frame.filter(
        pl.col("visits").is_not_null() & (pl.col("visits") > 0) & pl.col("expenses_rub").is_not_null()
    )
    if usable.is_empty():
        return _finish(go.Figure(), frame, title, ["visits", "expenses_rub"], "no unit to compare")
    pooled = float(usable["expenses_rub"].sum()) / float(usable["visits"].sum())
    equivalents = usable.with_columns(visit_equivalents=pl.col("expenses_rub") / pooled)
    return funnel_plot(
        equivalents,
        count="visit_equivalents",
        denominator="visits",
        label=fmt.label("cost_per_visit_rub"),
        title=title,
        statistic="ratio",
        multiplier=pooled,
        highlight=highlight,
        y_format=",.0f",
    )


# ----------------------------------------------------------------------------------------------- access


def booking_bands(by_specialty: pl.DataFrame, bands: dict[str, str]) -> go.Figure:
    """Share of appointments in each NHS booking band, one stacked bar per specialty, bands in order."""
    names = _names(by_specialty, "specialty_id")
    fig = go.Figure()
    for (column, label), colour in zip(bands.items(), BAND_COLOURS, strict=True):
        fig.add_trace(
            go.Bar(
                y=names,
                x=_values(by_specialty, column),
                name=label,
                orientation="h",
                marker_color=colour,
                hovertemplate="%{y}, " + label + ": %{x:.1%}<extra></extra>",
            )
        )
    return _finish(
        fig,
        by_specialty,
        "How far ahead appointments are booked, by specialty (share of appointments)",
        list(bands),
        barmode="stack",
        xaxis={"tickformat": ".0%", "range": [0, 1]},
        yaxis={"autorange": "reversed"},
        legend={"orientation": "h", "y": -0.15, "traceorder": "normal"},
        height=_bar_height(by_specialty.height),
    )


def lead_times_against_standard(by_specialty: pl.DataFrame) -> go.Figure:
    """Median and 90th-percentile lead time by specialty, with the legal wait standard as a reference."""
    names = _names(by_specialty, "specialty_id")
    fig = go.Figure()
    for column in ("median_lead_time_days", "p90_lead_time_days"):
        fig.add_trace(
            go.Bar(y=names, x=_values(by_specialty, column), name=fmt.label(column), orientation="h")
        )
    standard = [
        _standard_days(v, u)
        for v, u in zip(
            _values(by_specialty, "wait_standard"), _values(by_specialty, "wait_standard_unit"), strict=True
        )
    ]
    fig.add_trace(
        go.Scatter(
            y=names,
            x=standard,
            mode="markers",
            marker={"symbol": "line-ns-open", "size": 22, "line": {"width": 3}, "color": OWN_COLOUR},
            name="Legal wait standard",
        )
    )
    return _finish(
        fig,
        by_specialty,
        "Lead time by specialty against the legal wait standard (days)",
        ["median_lead_time_days", "p90_lead_time_days"],
        barmode="group",
        xaxis={"title": "days (weekly values, weighted by appointments)", "tickformat": ".0f"},
        yaxis={"autorange": "reversed"},
        height=_bar_height(2 * by_specialty.height),
    )


def _standard_days(value, unit) -> float | None:
    """The standard in calendar days: hours / 24; working days at 7 calendar days a 5-day week."""
    if value is None:
        return None
    unit = str(unit or "").lower()
    if "hour" in unit:
        return float(value) / 24
    if "working" in unit:
        return float(value) * 7 / 5
    return float(value)


def weekly_lines(frame: pl.DataFrame, columns: list[str], title: str) -> go.Figure:
    """One line per column by week (complete weeks only), the axis formatted for the first column."""
    fig = go.Figure()
    for column in columns:
        fig.add_trace(
            go.Scatter(x=_values(frame, "week_start"), y=_values(frame, column), name=fmt.label(column))
        )
    return _finish(
        fig,
        frame,
        title,
        columns,
        xaxis_title="Week starting",
        yaxis=_axis(columns[0], rangemode="tozero"),
    )


# ---------------------------------------------------------------------------------------------- capacity


def weekday_hour_heatmap(load: pl.DataFrame, column: str = "visits_per_week") -> go.Figure:
    hours = sorted(set(_values(load, "hour_of_day")))
    grid = [[None] * len(hours) for _ in fmt.WEEKDAYS]
    for day, hour, value in zip(
        _values(load, "iso_weekday"), _values(load, "hour_of_day"), _values(load, column), strict=True
    ):
        grid[int(day) - 1][hours.index(hour)] = value
    fig = go.Figure(
        go.Heatmap(
            z=grid,
            x=[fmt.value(h, "hour") for h in hours],
            y=list(fmt.WEEKDAYS),
            colorscale="Blues",
            colorbar={"title": "visits a week"},
            hovertemplate="%{y} %{x}: %{z:,.1f} visits a week<extra></extra>",
        )
    )
    return _finish(
        fig, load, "Visits by weekday and hour (average week)", [column], yaxis={"autorange": "reversed"}
    )


def utilisation_by_specialty(capacity: pl.DataFrame) -> go.Figure:
    """Slots booked of slots offered by specialty, summed over the rows given (facilities or okrugs)."""
    keys = ["specialty_id", *(["specialty_name"] if "specialty_name" in capacity.columns else [])]
    by_specialty = (
        capacity.group_by(keys)
        .agg(pl.col("slots_offered").sum(), pl.col("slots_booked").sum())
        .with_columns(utilisation=pl.col("slots_booked") / pl.col("slots_offered"))
    )
    return bar_by(by_specialty, "specialty_id", "utilisation", "Slot utilisation by specialty")


def doctor_load_histogram(doctors: pl.DataFrame) -> go.Figure:
    fig = go.Figure(
        go.Histogram(
            x=_values(doctors, "load_ratio"),
            xbins={"size": 0.05},
            name="doctors",
            hovertemplate="%{x}: %{y} doctors<extra></extra>",
        )
    )
    fig.add_vline(x=1.0, line_dash="dot", annotation_text="minutes used = scheduled")
    return _finish(
        fig,
        doctors,
        f"Doctor load: minutes used of minutes scheduled ({doctors.height:,} doctors)",
        ["load_ratio"],
        xaxis={"title": fmt.label("load_ratio"), "tickformat": ".0%"},
        yaxis={"title": "doctors", "tickformat": ",d"},
        bargap=0.05,
    )


# --------------------------------------------------------------------------------------------- registers


def rates_with_limits(
    frame: pl.DataFrame,
    category: str,
    value: str,
    lower: str,
    upper: str,
    title: str,
    note: str = "",
) -> go.Figure:
    """A rate (or a percentage) by category with its confidence interval as error bars; the axis title and
    format follow the value's column (per 100,000 for rates, % for percentages)."""
    order = frame.sort(value, nulls_last=False)
    values = np.array(_values(order, value), dtype=float)
    err_plus = np.array(_values(order, upper), dtype=float) - values
    err_minus = values - np.array(_values(order, lower), dtype=float)
    fig = go.Figure(
        go.Bar(
            y=_names(order, category),
            x=values,
            orientation="h",
            error_x={"type": "data", "array": err_plus, "arrayminus": err_minus, "visible": True},
            name=fmt.label(value),
        )
    )
    return _finish(
        fig,
        frame,
        title,
        [value],
        note,
        xaxis=_axis(value, title=fmt.label(value)),
        height=_bar_height(frame.height),
        showlegend=False,
    )


def age_sex_pyramid(frame: pl.DataFrame, column: str, title: str) -> go.Figure:
    fig = go.Figure()
    bands = sorted(set(_values(frame, "age_band")), key=lambda b: int(str(b).rstrip("+").split("-")[0]))
    for sex, sign, name in (("M", -1, "Men"), ("F", 1, "Women")):
        part = frame.filter(pl.col("sex").cast(pl.Utf8).str.to_uppercase().str.slice(0, 1) == sex)
        lookup = dict(zip(_values(part, "age_band"), _values(part, column), strict=True))
        x = [None if lookup.get(b) is None else sign * lookup[b] for b in bands]
        fig.add_trace(
            go.Bar(
                y=bands,
                x=x,
                orientation="h",
                name=name,
                customdata=[None if v is None else abs(v) for v in x],
                hovertemplate=name + " %{y}: %{customdata:,.1f} per 100,000<extra></extra>",
            )
        )
    top = max([abs(v) for v in _values(frame, column) if v is not None] or [1])
    ticks = [t for t in np.linspace(-top, top, 5)]
    return _finish(
        fig,
        frame,
        title,
        [column],
        barmode="relative",
        xaxis={
            "title": "per 100,000 (men to the left, women to the right)",
            "tickvals": ticks,
            "ticktext": [f"{abs(t):,.0f}" for t in ticks],
        },
        yaxis_title="age band (years)",
    )


# ----------------------------------------------------------------------------------- costs, prescribing

REVENUES = ("revenue_oms_rub", "revenue_budget_rub", "revenue_dms_rub", "revenue_paid_rub")


def revenue_by_source(monthly: pl.DataFrame) -> go.Figure:
    months = [fmt.value(m, "month") for m in _values(monthly, "month_start")]
    fig = go.Figure()
    for column in REVENUES:
        fig.add_trace(
            go.Bar(x=months, y=_values(monthly, column), name=fmt.label(column).replace(" (₽)", ""))
        )
    fig.add_trace(
        go.Scatter(x=months, y=_values(monthly, "expenses_rub"), name="Expenses", mode="lines+markers")
    )
    return _finish(
        fig,
        monthly,
        "Revenue by funding source and expenses by month (₽)",
        [*REVENUES, "expenses_rub"],
        barmode="stack",
        yaxis=_axis("expenses_rub"),
    )


def monthly_lines(frame: pl.DataFrame, columns: list[str], title: str) -> go.Figure:
    months = [fmt.value(m, "month") for m in _values(frame, "month_start")]
    fig = go.Figure()
    for column in columns:
        fig.add_trace(
            go.Scatter(x=months, y=_values(frame, column), name=fmt.label(column), mode="lines+markers")
        )
    return _finish(fig, frame, title, columns, yaxis=_axis(columns[0], rangemode="tozero"))


# --------------------------------------------------------------------------------------------- hospitals

#: the bed occupancy hospitals are planned for: 313 days a year, about 86% (Russia 2018; CALIBRATION.md
#: "Hospitals"), drawn as the norm occupancy is read against
OCCUPANCY_NORM_PCT = 86.0
#: avoidable admissions are counted per 100,000 attached adults (registers.avoidable.PER)
PER_100K = 100_000


def _ward_names(frame: pl.DataFrame) -> list[str]:
    """Hospital and bed profile as one label ("City clinical hospital No. 1 · Cardiology"), or whichever of
    the two the frame has."""
    parts = [_names(frame, c) for c in ("hospital_id", "bed_profile") if c in frame.columns]
    return [" · ".join(names) for names in zip(*parts, strict=True)]


def occupancy_heatmap(grid: pl.DataFrame) -> go.Figure:
    """Bed occupancy (%) of each hospital, bed profile or hospital's bed profile (rows, whichever the frame
    has) by day or ISO week (columns: `date_day` or `week_start`), coloured around the 86% norm (blue below,
    red above)."""
    period = "date_day" if "date_day" in grid.columns else "week_start"
    rows = list(dict.fromkeys(_ward_names(grid)))
    periods = sorted(set(_values(grid, period)))
    z = [[None] * len(periods) for _ in rows]
    for row, when, value in zip(
        _ward_names(grid), _values(grid, period), _values(grid, "occupancy_pct"), strict=True
    ):
        z[rows.index(row)][periods.index(when)] = value
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=[fmt.value(p, "date") for p in periods],
            y=rows,
            colorscale="RdBu_r",
            zmid=OCCUPANCY_NORM_PCT,
            colorbar={"title": "occupancy %", "ticksuffix": "%"},
            hovertemplate="%{y}, %{x}: %{z:.1f}% of beds occupied at midnight<extra></extra>",
        )
    )
    grain = "day" if period == "date_day" else "week starting"
    norm = f"white at the {OCCUPANCY_NORM_PCT:.0f}% norm"
    return _finish(
        fig,
        grid,
        f"Bed occupancy by {grain}: midnight census over staffed beds (%; {norm})",
        ["occupancy_pct"],
        yaxis={"autorange": "reversed"},
        height=_bar_height(len(rows)),
    )


def occupancy_against_norm(occupancy: pl.DataFrame) -> go.Figure:
    """Bed occupancy (%) over the period of each hospital's bed profile, highest first, with the norm."""
    order = occupancy.sort("occupancy_pct", nulls_last=False)
    fig = go.Figure(
        go.Bar(
            y=_ward_names(order),
            x=_values(order, "occupancy_pct"),
            orientation="h",
            name=fmt.label("occupancy_pct"),
            hovertemplate="%{y}: %{x:.1f}%<extra></extra>",
        )
    )
    fig.add_vline(x=OCCUPANCY_NORM_PCT, line_dash="dot", annotation_text=f"norm {OCCUPANCY_NORM_PCT:.0f}%")
    return _finish(
        fig,
        occupancy,
        "Bed occupancy against the 86% norm (%)",
        ["occupancy_pct"],
        xaxis=_axis("occupancy_pct", title=fmt.label("occupancy_pct"), rangemode="tozero"),
        height=_bar_height(occupancy.height),
        showlegend=False,
    )


def alos_by_profile(los: pl.DataFrame) -> go.Figure:
    """Average length of stay (days) by bed profile, one bar per admission type (planned, emergency), with
    the median of each as a marker."""
    fig = go.Figure()
    profiles = sorted(set(_names(los, "bed_profile")), reverse=True)
    for kind in sorted(set(_values(los, "admission_type"))):
        part = los.filter(pl.col("admission_type") == kind)
        name = _names(part, "admission_type")[0]
        lookup = dict(zip(_names(part, "bed_profile"), _values(part, "alos_days"), strict=True))
        medians = dict(zip(_names(part, "bed_profile"), _values(part, "median_los_days"), strict=True))
        fig.add_trace(
            go.Bar(
                y=profiles,
                x=[lookup.get(p) for p in profiles],
                orientation="h",
                name=f"{name}: average",
                customdata=[medians.get(p) for p in profiles],
                hovertemplate="%{y}: average %{x:.1f} days, median %{customdata:.1f}<extra></extra>",
            )
        )
    return _finish(
        fig,
        los,
        "Average length of stay by bed profile, planned and emergency (days)",
        ["alos_days"],
        barmode="group",
        xaxis=_axis("alos_days", title=fmt.label("alos_days"), rangemode="tozero"),
        height=_bar_height(2 * len(profiles)),
    )


def length_of_stay_bands(bands: pl.DataFrame) -> go.Figure:
    """The distribution of length of stay: one stacked bar per bed profile, the share of its discharges in
    each band of days (`los_band`, "0–1 days" ... "31+ days"), shortest first, coloured green to red."""
    order = sorted(set(_values(bands, "los_band")), key=lambda b: int(re.match(r"\d+", b).group()))
    colours = BAND_COLOURS[-len(order) :] if len(order) < len(BAND_COLOURS) else BAND_COLOURS
    profiles = list(dict.fromkeys(_names(bands, "bed_profile")))
    fig = go.Figure()
    for band, colour in zip(order, colours, strict=False):
        part = bands.filter(pl.col("los_band") == band)
        lookup = dict(zip(_names(part, "bed_profile"), _values(part, "share_of_profile"), strict=True))
        fig.add_trace(
            go.Bar(
                y=profiles,
                x=[lookup.get(p) for p in profiles],
                name=band,
                orientation="h",
                marker_color=colour,
                hovertemplate="%{y}, " + band + ": %{x:.1%}<extra></extra>",
            )
        )
    return _finish(
        fig,
        bands,
        "Length of stay by bed profile (share of discharges in each band of days)",
        ["share_of_profile"],
        barmode="stack",
        xaxis={"tickformat": ".0%", "range": [0, 1]},
        yaxis={"autorange": "reversed"},
        legend={"orientation": "h", "y": -0.15, "traceorder": "normal"},
        height=_bar_height(len(profiles)),
    )


def avoidable_funnel(frame: pl.DataFrame, *, title: str, highlight: object = None) -> go.Figure:
    """Each polyclinic's age-sex standardised rate (DSR per 100,000) of avoidable admissions on PHE's DSR
    funnel: drawn at its derived denominator (`standardised_population`, 100,000 x admissions / DSR), with
    exact Poisson 95% and 99.8% limits around `pooled_dsr`, the peers' baseline (PHE's funnel-plot
    guidance; the reader computes both). A polyclinic with fewer than 10 admissions has no DSR and is not
    drawn."""
    pooled = next((v for v in _values(frame, "pooled_dsr") if v is not None), None)
    undrawn = frame.filter(pl.col("dsr").is_null()).height if "dsr" in frame.columns else frame.height
    note = (
        f"{undrawn} polyclinic(s) with no DSR (fewer than 10 admissions or suppressed) not drawn"
        if undrawn
        else ""
    )
    return funnel_plot(
        frame.filter(pl.col("dsr").is_not_null()) if "dsr" in frame.columns else frame,
        count="admissions",
        denominator="standardised_population",
        label=fmt.label("dsr"),
        title=title,
        statistic="rate",
        multiplier=PER_100K,
        highlight=highlight,
        y_format=",.0f",
        target=None if pooled is None else pooled / PER_100K,
        note=note,
    )
