"""Pure figure builders for facility load: a frame in, a Plotly figure out."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl


def daily_load_summary(load: pl.DataFrame) -> pl.DataFrame:
    """Sum the facility x specialty x day rows to one row per day."""
    return (
        load.group_by("slot_date")
        .agg(
            pl.col("slots_offered").sum(),
            pl.col("slots_booked").sum(),
            pl.col("attended").sum(),
            pl.col("no_shows").sum(),
            pl.col("cancellations").sum(),
        )
        .with_columns(utilisation=pl.col("slots_booked") / pl.col("slots_offered"))
        .sort("slot_date")
    )


def load_by_facility(load: pl.DataFrame) -> pl.DataFrame:
    """Totals per facility and specialty over the period, with utilisation and DNA rate."""
    return (
        load.group_by("facility_id", "facility_name", "specialty_id")
        .agg(pl.col("slots_offered", "slots_booked", "attended", "no_shows", "cancellations").sum())
        .with_columns(
            utilisation=pl.col("slots_booked") / pl.col("slots_offered"),
            dna_rate=pl.col("no_shows") / (pl.col("attended") + pl.col("no_shows")),
        )
        .sort("facility_id", "specialty_id")
    )


def daily_load_figure(daily: pl.DataFrame) -> go.Figure:
    """Slots offered, booked and attended by day, with utilisation on a second axis."""
    fig = go.Figure()
    for col, name in [
        ("slots_offered", "Slots offered"),
        ("slots_booked", "Slots booked"),
        ("attended", "Attended"),
    ]:
        fig.add_trace(
            go.Scatter(x=daily["slot_date"].to_list(), y=daily[col].to_list(), name=name, mode="lines")
        )
    fig.add_trace(
        go.Scatter(
            x=daily["slot_date"].to_list(),
            y=daily["utilisation"].to_list(),
            name="Utilisation",
            mode="lines",
            line={"dash": "dot"},
            yaxis="y2",
        )
    )
    fig.update_layout(
        title="Facility load by day",
        xaxis_title="Day of the slot",
        yaxis={"title": "Slots / visits"},
        yaxis2={
            "title": "Utilisation",
            "overlaying": "y",
            "side": "right",
            "tickformat": ".0%",
            "range": [0, 1],
        },
        legend={"orientation": "h", "y": -0.2},
        margin={"t": 50, "b": 40},
    )
    return fig
