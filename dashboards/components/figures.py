"""Pure figure builders: a frame in, a Plotly figure out (no Streamlit, no data access).

Suppressed values arrive as nulls with a `<col>_suppressed` flag (dashboards/data.py); a chart leaves them
out and says how many it left out, so a gap is never read as a zero.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import plotly.graph_objects as go
import polars as pl

from registers import funnel_limits

LAST_YEAR_SHIFT = dt.timedelta(weeks=52)  # the same ISO week a year before
WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


def suppressed_count(frame: pl.DataFrame) -> int:
    flags = [c for c in frame.columns if c.endswith("_suppressed")]
    if not flags or frame.is_empty():
        return 0
    return int(frame.select(pl.any_horizontal(flags).sum()).item())


def _finish(fig: go.Figure, frame: pl.DataFrame, title: str, **layout) -> go.Figure:
    hidden = suppressed_count(frame)
    if hidden:
        title += f"<br><sup>{hidden} value(s) suppressed: fewer than 5 patients</sup>"
    fig.update_layout(
        title=title, margin={"t": 70, "b": 40}, legend={"orientation": "h", "y": -0.2}, **layout
    )
    return fig


def _values(frame: pl.DataFrame, column: str) -> list:
    return frame[column].to_list() if column in frame.columns else [None] * frame.height


# ----------------------------------------------------------------------------------------------- trends


def weekly_trend(
    this_period: pl.DataFrame, last_year: pl.DataFrame, column: str, title: str, percent: bool = False
):
    """A weekly line for the period and, dashed beside it, the same weeks a year earlier."""
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(x=_values(this_period, "week_start"), y=_values(this_period, column), name="This period")
    )
    if not last_year.is_empty():
        shifted = last_year.with_columns(pl.col("week_start") + LAST_YEAR_SHIFT)
        fig.add_trace(
            go.Scatter(
                x=_values(shifted, "week_start"),
                y=_values(shifted, column),
                name="A year earlier",
                line={"dash": "dash"},
            )
        )
    return _finish(
        fig,
        this_period,
        title,
        xaxis_title="ISO week",
        yaxis={"tickformat": ".0%" if percent else ",", "rangemode": "tozero"},
    )


def bar_by(
    frame: pl.DataFrame, category: str, column: str, title: str, percent: bool = False, reference=None
):
    fig = go.Figure(
        go.Bar(x=[str(v) for v in _values(frame, category)], y=_values(frame, column), name=title)
    )
    if reference is not None:
        fig.add_hline(y=reference[0], line_dash="dot", annotation_text=reference[1])
    return _finish(fig, frame, title, yaxis={"tickformat": ".0%" if percent else ","})


def daily_load_figure(daily: pl.DataFrame) -> go.Figure:
    """Slots offered, booked and attended by day, with utilisation on a second axis."""
    fig = go.Figure()
    for col, name in [
        ("slots_offered", "Slots offered"),
        ("slots_booked", "Slots booked"),
        ("attended", "Attended"),
    ]:
        fig.add_trace(
            go.Scatter(x=_values(daily, "slot_date"), y=_values(daily, col), name=name, mode="lines")
        )
    fig.add_trace(
        go.Scatter(
            x=_values(daily, "slot_date"),
            y=_values(daily, "utilisation"),
            name="Utilisation",
            mode="lines",
            line={"dash": "dot"},
            yaxis="y2",
        )
    )
    return _finish(
        fig,
        daily,
        "Facility load by day",
        xaxis_title="Day of the slot",
        yaxis={"title": "Slots / visits"},
        yaxis2={
            "title": "Utilisation",
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
) -> go.Figure:
    """Units against the pooled value with 95% and 99.8% control limits (registers.funnel_limits).

    count/denominator: the numerator and denominator columns (e.g. no-shows over appointments); `names`
    labels the points (the read layer has already anonymised peers where the role requires); `highlight`
    is the key of the unit drawn apart.
    """
    usable = frame.filter(pl.col(count).is_not_null() & (pl.col(denominator) > 0))
    fig = go.Figure()
    if usable.is_empty():
        return _finish(fig, frame, title)
    n = usable[denominator].cast(pl.Float64).to_numpy()
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
    fig.add_hline(y=target * multiplier, line_color="grey", annotation_text="peer value")
    values = (usable[count].cast(pl.Float64) / usable[denominator].cast(pl.Float64) * multiplier).to_list()
    is_own = (
        [v == highlight for v in usable[key].to_list()] if highlight is not None else [False] * usable.height
    )
    text = [str(t) for t in usable[names].to_list()]
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
                marker={"size": 12 if own else 8, "color": "crimson" if own else "steelblue"},
                name="This facility" if own else points,
                hovertemplate="%{text}: %{y:.3g} (n=%{x:,.0f})<extra></extra>",
            )
        )
    return _finish(fig, frame, title, xaxis_title=denominator.replace("_", " "), yaxis_title=label)


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
        return _finish(go.Figure(), frame, title)
    pooled = float(usable["expenses_rub"].sum()) / float(usable["visits"].sum())
    equivalents = usable.with_columns(visit_equivalents=pl.col("expenses_rub") / pooled)
    return funnel_plot(
        equivalents,
        count="visit_equivalents",
        denominator="visits",
        label="roubles per visit",
        title=title,
        statistic="ratio",
        multiplier=pooled,
        highlight=highlight,
    )


# ----------------------------------------------------------------------------------------------- access


def booking_bands(by_specialty: pl.DataFrame, bands: dict[str, str]) -> go.Figure:
    fig = go.Figure()
    names = [str(v) for v in _values(by_specialty, "specialty_id")]
    for column, label in bands.items():
        fig.add_trace(go.Bar(x=names, y=_values(by_specialty, column), name=label))
    return _finish(
        fig,
        by_specialty,
        "Booking bands by specialty (share of appointments)",
        barmode="stack",
        yaxis={"tickformat": ".0%"},
    )


def lead_times_against_standard(by_specialty: pl.DataFrame) -> go.Figure:
    """Median and 90th-percentile lead time by specialty, with the legal wait standard as a reference."""
    names = [str(v) for v in _values(by_specialty, "specialty_id")]
    fig = go.Figure()
    fig.add_trace(go.Bar(x=names, y=_values(by_specialty, "median_lead_time_days"), name="Median lead time"))
    fig.add_trace(go.Bar(x=names, y=_values(by_specialty, "p90_lead_time_days"), name="90th percentile"))
    standard = [
        _standard_days(v, u)
        for v, u in zip(
            _values(by_specialty, "wait_standard"), _values(by_specialty, "wait_standard_unit"), strict=True
        )
    ]
    fig.add_trace(
        go.Scatter(
            x=names,
            y=standard,
            mode="markers",
            marker={"symbol": "line-ew-open", "size": 30, "line": {"width": 3}, "color": "crimson"},
            name="Legal wait standard",
        )
    )
    return _finish(
        fig,
        by_specialty,
        "Lead time by specialty against the legal wait standard (days)",
        barmode="group",
        yaxis_title="days (weekly values, weighted by appointments)",
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


def weekly_lines(
    frame: pl.DataFrame, columns: dict[str, str], title: str, percent: bool = False
) -> go.Figure:
    fig = go.Figure()
    for column, label in columns.items():
        fig.add_trace(go.Scatter(x=_values(frame, "week_start"), y=_values(frame, column), name=label))
    return _finish(
        fig,
        frame,
        title,
        xaxis_title="ISO week",
        yaxis={"tickformat": ".0%" if percent else ",", "rangemode": "tozero"},
    )


# ---------------------------------------------------------------------------------------------- capacity


def weekday_hour_heatmap(load: pl.DataFrame, column: str = "visits_per_week") -> go.Figure:
    hours = sorted(set(_values(load, "hour_of_day")))
    grid = [[None] * len(hours) for _ in WEEKDAYS]
    for day, hour, value in zip(
        _values(load, "iso_weekday"), _values(load, "hour_of_day"), _values(load, column), strict=True
    ):
        grid[int(day) - 1][hours.index(hour)] = value
    fig = go.Figure(
        go.Heatmap(
            z=grid,
            x=[f"{h:02d}:00" for h in hours],
            y=WEEKDAYS,
            colorscale="Blues",
            colorbar={"title": "visits a week"},
        )
    )
    return _finish(fig, load, "Visits by weekday and hour (average week)", yaxis={"autorange": "reversed"})


def utilisation_by_specialty(capacity: pl.DataFrame) -> go.Figure:
    by_specialty = (
        capacity.group_by("specialty_id")
        .agg(pl.col("slots_offered").sum(), pl.col("slots_booked").sum())
        .with_columns(utilisation=pl.col("slots_booked") / pl.col("slots_offered"))
        .sort("specialty_id")
    )
    return bar_by(by_specialty, "specialty_id", "utilisation", "Slot utilisation by specialty", percent=True)


def doctor_load_histogram(doctors: pl.DataFrame) -> go.Figure:
    fig = go.Figure(go.Histogram(x=_values(doctors, "load_ratio"), nbinsx=30, name="doctors"))
    fig.add_vline(x=1.0, line_dash="dot", annotation_text="minutes used = scheduled")
    return _finish(
        fig,
        doctors,
        "Doctor load: minutes used / minutes scheduled",
        xaxis_title="load ratio",
        yaxis_title="doctors",
    )


# --------------------------------------------------------------------------------------------- registers


def rates_with_limits(frame: pl.DataFrame, category: str, value: str, lower: str, upper: str, title: str):
    names = [str(v) for v in _values(frame, category)]
    values = np.array(_values(frame, value), dtype=float)
    err_plus = np.array(_values(frame, upper), dtype=float) - values
    err_minus = values - np.array(_values(frame, lower), dtype=float)
    fig = go.Figure(
        go.Bar(
            x=names,
            y=values,
            error_y={"type": "data", "array": err_plus, "arrayminus": err_minus, "visible": True},
            name=value,
        )
    )
    return _finish(fig, frame, title, yaxis_title="per 100,000")


def age_sex_pyramid(frame: pl.DataFrame, column: str, title: str) -> go.Figure:
    fig = go.Figure()
    bands = sorted(set(_values(frame, "age_band")), key=lambda b: int(str(b).rstrip("+").split("-")[0]))
    for sex, sign, name in (("M", -1, "Men"), ("F", 1, "Women")):
        part = frame.filter(pl.col("sex").cast(pl.Utf8).str.to_uppercase().str.slice(0, 1) == sex)
        lookup = dict(zip(_values(part, "age_band"), _values(part, column), strict=True))
        x = [None if lookup.get(b) is None else sign * lookup[b] for b in bands]
        fig.add_trace(go.Bar(y=bands, x=x, orientation="h", name=name))
    return _finish(fig, frame, title, barmode="relative", xaxis_title="per 100,000 (men to the left)")


# ----------------------------------------------------------------------------------- costs, prescribing


def revenue_by_source(monthly: pl.DataFrame) -> go.Figure:
    fig = go.Figure()
    for column, label in (
        ("revenue_oms_rub", "OMS"),
        ("revenue_budget_rub", "Budget"),
        ("revenue_dms_rub", "DMS"),
        ("revenue_paid_rub", "Paid services"),
    ):
        fig.add_trace(go.Bar(x=_values(monthly, "month_start"), y=_values(monthly, column), name=label))
    fig.add_trace(
        go.Scatter(
            x=_values(monthly, "month_start"),
            y=_values(monthly, "expenses_rub"),
            name="Expenses",
            mode="lines+markers",
        )
    )
    return _finish(fig, monthly, "Revenue by funding source and expenses by month (roubles)", barmode="stack")


def monthly_lines(
    frame: pl.DataFrame, columns: dict[str, str], title: str, percent: bool = False
) -> go.Figure:
    fig = go.Figure()
    for column, label in columns.items():
        fig.add_trace(
            go.Scatter(
                x=_values(frame, "month_start"), y=_values(frame, column), name=label, mode="lines+markers"
            )
        )
    return _finish(fig, frame, title, yaxis={"tickformat": ".0%" if percent else ",", "rangemode": "tozero"})
