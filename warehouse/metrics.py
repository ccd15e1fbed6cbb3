"""The figures people read, defined once: mart rows aggregated to the grain a reader shows.

Pure polars (frames in, frames out; no I/O): the dashboards' read layer, the notebooks and anything else
that reports a DNA rate, a share seen within the wait standard or a lead time over several weeks calls these,
so every reader gets the same number. With pandas, pass `pl.from_pandas(frame)` and take `.to_pandas()`.

    from warehouse import read_mart
    from warehouse.metrics import access_summary
    access_summary(read_mart("mart_access_weekly", filters={"hierarchy_level": "facility"}), by=["unit_id"])

Definitions:
- rates are ratios of sums, never means of rates: DNA rate = no-shows / (attended + no-shows);
- the share seen within the wait standard is re-weighted by the attended appointments it was measured on;
- weekly medians and 90th percentiles cannot be added up: over several weeks or units they are averaged
  weighted by appointments (`median_lead_time_days` then means "mean of weekly medians");
- booking-band shares are averaged weighted by appointments, in the NHS bands of `BANDS`.

Each `*_SUPPRESS` mapping names the patient counts of a frame and, for each, the figures computed from it,
so a publisher (dashboards/data.py `publish`) nulls them together and a rate cannot give a suppressed count
away. Each `*_NESTED` list names the (part, whole) counts of a row, the part counted within the whole, whose
difference the publisher must keep from showing a small count (registers.suppress_complementary).
"""

from __future__ import annotations

import polars as pl


def _safe_div(numerator: str | pl.Expr, denominator: str | pl.Expr) -> pl.Expr:
    num = pl.col(numerator) if isinstance(numerator, str) else numerator
    den = pl.col(denominator) if isinstance(denominator, str) else denominator
    return pl.when(den > 0).then(num / den).otherwise(None)


def _weighted(value: str, weight: str) -> pl.Expr:
    """Weighted mean of `value` (nulls left out of both sums)."""
    known = pl.col(value).is_not_null() & pl.col(weight).is_not_null()
    total = pl.when(known).then(pl.col(weight)).otherwise(0).sum()
    return pl.when(total > 0).then((pl.col(value) * pl.col(weight)).sum() / total).otherwise(None)


# ----------------------------------------------------------------------------------------- city overview

CITY_SUPPRESS = {
    "visits": [],
    "bookings": [],
    "attended": ["dna_rate", "within_standard_share"],
    "no_shows": ["dna_rate"],
    "remote_bookings": ["remote_share"],
    "access_attended": ["within_standard_share"],
}


def _capacity_sums() -> list[pl.Expr]:
    return [
        pl.col("encounters").sum().alias("visits"),
        pl.col("bookings").sum(),
        pl.col("attended").sum(),
        pl.col("no_shows").sum(),
    ]


def _access_sums() -> list[pl.Expr]:
    return [
        (pl.col("within_standard_share").fill_null(0) * pl.col("attended"))
        .sum()
        .alias("seen_within_standard"),
        pl.when(pl.col("within_standard_share").is_not_null())
        .then(pl.col("attended"))
        .otherwise(0)
        .sum()
        .alias("access_attended"),
    ]


def _remote_sums() -> list[pl.Expr]:
    return [pl.col("bookings_made").sum(), pl.col("remote_bookings").sum()]


def _city_rates(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(
        dna_rate=_safe_div("no_shows", pl.col("attended") + pl.col("no_shows")),
        within_standard_share=_safe_div("seen_within_standard", "access_attended"),
        remote_share=_safe_div("remote_bookings", "bookings_made"),
    ).drop("seen_within_standard", "bookings_made")


def city_weekly(capacity: pl.DataFrame, access: pl.DataFrame, remote: pl.DataFrame) -> pl.DataFrame:
    """capacity: sums by week_start (and okrug); access: access-mart rows; remote: by week and okrug."""
    weekly = capacity.group_by("week_start").agg(_capacity_sums())
    waits = access.group_by("week_start").agg(_access_sums())
    channels = remote.group_by("week_start").agg(_remote_sums())
    frame = weekly.join(waits, on="week_start", how="left").join(channels, on="week_start", how="left")
    return _city_rates(frame).sort("week_start")


def city_by_okrug(
    capacity: pl.DataFrame, access: pl.DataFrame, remote: pl.DataFrame, finance: pl.DataFrame | None
) -> pl.DataFrame:
    frame = capacity.group_by("okrug_id").agg(_capacity_sums())
    waits = access.rename({"unit_id": "okrug_id"}).group_by("okrug_id").agg(_access_sums())
    channels = remote.group_by("okrug_id").agg(_remote_sums())
    frame = frame.join(waits, on="okrug_id", how="left").join(channels, on="okrug_id", how="left")
    frame = _city_rates(frame)
    if finance is not None:
        costs = finance.group_by("okrug_id").agg(
            _safe_div(pl.col("expenses_rub").sum(), pl.col("visits").sum()).alias("cost_per_visit_rub")
        )
        frame = frame.join(costs, on="okrug_id", how="left")
    return frame.sort("okrug_id")


def city_totals(
    capacity: pl.DataFrame, access: pl.DataFrame, remote: pl.DataFrame, finance: pl.DataFrame | None
) -> pl.DataFrame:
    frame = pl.concat(
        [capacity.select(_capacity_sums()), access.select(_access_sums()), remote.select(_remote_sums())],
        how="horizontal",
    )
    frame = _city_rates(frame)
    cost = None
    if finance is not None and finance.height:
        visits = finance["visits"].sum()
        cost = float(finance["expenses_rub"].sum()) / visits if visits else None
    return frame.with_columns(cost_per_visit_rub=pl.lit(cost, dtype=pl.Float64))


# -------------------------------------------------------------------------------------- facility pages

LOAD_SUPPRESS = {
    "slots_booked": ["utilisation"],
    "attended": ["dna_rate"],
    "no_shows": ["dna_rate"],
    "cancellations": [],
}


def daily_load_summary(load: pl.DataFrame) -> pl.DataFrame:
    """Sum the facility x specialty x day rows to one row per day."""
    return (
        load.group_by("slot_date")
        .agg(pl.col("slots_offered", "slots_booked", "attended", "no_shows", "cancellations").sum())
        .with_columns(
            utilisation=_safe_div("slots_booked", "slots_offered"),
            dna_rate=_safe_div("no_shows", pl.col("attended") + pl.col("no_shows")),
        )
        .sort("slot_date")
    )


def load_totals(daily: pl.DataFrame) -> pl.DataFrame:
    """The whole selection in one row."""
    return daily.select(
        pl.col("slots_offered", "slots_booked", "attended", "no_shows", "cancellations").sum()
    ).with_columns(
        utilisation=_safe_div("slots_booked", "slots_offered"),
        dna_rate=_safe_div("no_shows", pl.col("attended") + pl.col("no_shows")),
    )


def load_by_facility(load: pl.DataFrame) -> pl.DataFrame:
    """Totals per facility and specialty over the period, with utilisation and DNA rate."""
    return (
        load.group_by("facility_id", "facility_name", "specialty_id")
        .agg(pl.col("slots_offered", "slots_booked", "attended", "no_shows", "cancellations").sum())
        .with_columns(
            utilisation=_safe_div("slots_booked", "slots_offered"),
            dna_rate=_safe_div("no_shows", pl.col("attended") + pl.col("no_shows")),
        )
        .sort("facility_id", "specialty_id")
    )


FUNNEL_SUPPRESS = {
    "attended": ["dna_rate", "booked_outcomes"],
    "no_shows": ["dna_rate", "booked_outcomes"],
    "seen_within_standard": ["within_standard_share"],
    "access_attended": ["within_standard_share"],
    "visits": ["cost_per_visit_rub"],
}
FUNNEL_NESTED = [("seen_within_standard", "access_attended")]


def facility_funnel_inputs(
    peers: pl.DataFrame, capacity: pl.DataFrame, access: pl.DataFrame, finance: pl.DataFrame
) -> pl.DataFrame:
    """One row per facility: the numerators and denominators of its three funnel plots."""
    visits = capacity.group_by("facility_id").agg(pl.col("attended", "no_shows").sum())
    waits = (
        access.with_columns(facility_id=pl.col("unit_id").cast(pl.Int64))
        .group_by("facility_id")
        .agg(_access_sums())
    )
    money = finance.group_by("facility_id").agg(pl.col("expenses_rub", "visits").sum())
    frame = (
        peers.select("facility_id", "facility_name", "facility_kind", "okrug_id")
        .with_columns(pl.col("facility_id").cast(pl.Int64))
        .join(visits.with_columns(pl.col("facility_id").cast(pl.Int64)), on="facility_id", how="left")
        .join(waits, on="facility_id", how="left")
        .join(money.with_columns(pl.col("facility_id").cast(pl.Int64)), on="facility_id", how="left")
    )
    return frame.with_columns(
        booked_outcomes=pl.col("attended") + pl.col("no_shows"),
        dna_rate=_safe_div("no_shows", pl.col("attended") + pl.col("no_shows")),
        seen_within_standard=pl.col("seen_within_standard").round(0).cast(pl.Int64),
        within_standard_share=_safe_div("seen_within_standard", "access_attended"),
        cost_per_visit_rub=_safe_div("expenses_rub", "visits"),
    ).sort("facility_id")


def peers_in_aggregate(frame: pl.DataFrame, own_facility: int | None) -> pl.DataFrame:
    """One's own facility, then all its peers as one row (a chief physician's table)."""
    counts = ["attended", "no_shows", "seen_within_standard", "access_attended", "expenses_rub", "visits"]
    own = frame.filter(pl.col("facility_id") == own_facility)
    others = frame.filter(pl.col("facility_id") != own_facility)
    peers = others.select(
        pl.lit(None, dtype=own["facility_id"].dtype).alias("facility_id"),
        pl.lit(f"all {others.height} peers").alias("facility_name"),
        pl.col("facility_kind").first(),
        pl.lit(None, dtype=pl.Utf8).alias("okrug_id"),
        *[pl.col(c).sum() for c in counts],
    )
    both = pl.concat([own.select(peers.columns), peers], how="vertical_relaxed")
    return both.with_columns(
        booked_outcomes=pl.col("attended") + pl.col("no_shows"),
        dna_rate=_safe_div("no_shows", pl.col("attended") + pl.col("no_shows")),
        within_standard_share=_safe_div("seen_within_standard", "access_attended"),
        cost_per_visit_rub=_safe_div("expenses_rub", "visits"),
    )


def anonymise_peers(frame: pl.DataFrame, own_facility: int | None) -> pl.DataFrame:
    """Peers in aggregate only: no id, name or okrug for any facility but one's own."""
    own = pl.col("facility_id") == own_facility
    return frame.with_columns(
        facility_name=pl.when(own).then(pl.col("facility_name")).otherwise(pl.lit("peer")),
        okrug_id=pl.when(own).then(pl.col("okrug_id")).otherwise(None),
        facility_id=pl.when(own).then(pl.col("facility_id")).otherwise(None),
    ).sort("facility_id", nulls_last=True)


SPECIALTY_SUPPRESS = {
    "slots_booked": ["utilisation"],
    "attended": ["dna_rate"],
    "no_shows": ["dna_rate"],
    "access_attended": ["within_standard_share"],
    "appointments": ["median_lead_time_days", "tnaa_days"],
    "visits": ["cost_per_visit_rub"],
}


def facility_by_specialty(
    capacity: pl.DataFrame, access: pl.DataFrame, cost: pl.DataFrame | None
) -> pl.DataFrame:
    frame = capacity.group_by("specialty_id").agg(
        pl.col("slots_offered", "slots_booked", "attended", "no_shows").sum()
    )
    waits = access.group_by("specialty_id").agg(
        *_access_sums(),
        pl.col("appointments").sum(),
        _weighted("median_lead_time_days", "appointments").alias("median_lead_time_days"),
        pl.col("tnaa_days").mean(),
    )
    frame = frame.join(waits, on="specialty_id", how="left").with_columns(
        utilisation=_safe_div("slots_booked", "slots_offered"),
        dna_rate=_safe_div("no_shows", pl.col("attended") + pl.col("no_shows")),
        within_standard_share=_safe_div("seen_within_standard", "access_attended"),
    )
    if cost is not None:
        costs = cost.group_by("specialty_id").agg(
            pl.col("visits").sum(),
            _safe_div(
                (pl.col("direct_cost_rub") + pl.col("overhead_rub")).sum(), pl.col("visits").sum()
            ).alias("cost_per_visit_rub"),
        )
        frame = frame.join(costs, on="specialty_id", how="left")
    return frame.drop("seen_within_standard").sort("specialty_id")


DOCTOR_SUPPRESS = {"encounters": [], "walk_ins": []}


def doctor_load(weekly: pl.DataFrame) -> pl.DataFrame:
    """One row per doctor over the period: slots, visits and minutes used against minutes scheduled."""
    return (
        weekly.group_by("doctor_id", "facility_id", "specialty_id")
        .agg(
            pl.col("rate").max(),
            pl.col("week_start").n_unique().alias("weeks"),
            pl.col(
                "slots_offered", "slots_booked", "encounters", "walk_ins", "minutes_scheduled", "minutes_used"
            ).sum(),
        )
        .with_columns(load_ratio=_safe_div("minutes_used", "minutes_scheduled"))
        .sort("facility_id", "specialty_id", "doctor_id")
    )


# -------------------------------------------------------------------------------------- access, capacity

# NHS booking bands (days from booking to appointment), shortest first: the order they are drawn in
BANDS = {
    "band_same_day_share": "same day",
    "band_1_day_share": "1 day",
    "band_2_7_days_share": "2–7 days",
    "band_8_14_days_share": "8–14 days",
    "band_15_21_days_share": "15–21 days",
    "band_22_28_days_share": "22–28 days",
    "band_over_28_days_share": "> 28 days",
}
ACCESS_SUPPRESS = {
    "appointments": [*BANDS, "median_lead_time_days", "p90_lead_time_days"],
    "attended": ["dna_rate"],
    "no_shows": ["dna_rate"],
    "access_attended": ["within_standard_share"],
}


def _access_measures() -> list[pl.Expr]:
    return [
        pl.col("appointments").sum(),
        pl.col("attended").sum(),
        pl.col("no_shows").sum(),
        *_access_sums(),
        _weighted("median_lead_time_days", "appointments").alias("median_lead_time_days"),
        _weighted("p90_lead_time_days", "appointments").alias("p90_lead_time_days"),
        pl.col("tnaa_days").median(),
        *[_weighted(band, "appointments").alias(band) for band in BANDS],
    ]


def _access_rates(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(
        dna_rate=_safe_div("no_shows", pl.col("attended") + pl.col("no_shows")),
        within_standard_share=_safe_div("seen_within_standard", "access_attended"),
    ).drop("seen_within_standard")


def access_summary(access: pl.DataFrame, by: list[str] | str) -> pl.DataFrame:
    """Rows of `mart_access_weekly` (one hierarchy level) summed to the keys `by`, sorted by them.

    Returns per group: appointments, attended, no_shows, access_attended (the attended appointments the
    within-standard share was measured on), median_lead_time_days and p90_lead_time_days (weekly values
    weighted by appointments, in days), tnaa_days (median of the weekly third next available appointment,
    days), the seven booking-band shares of `BANDS` (0-1, weighted by appointments), dna_rate (0-1) and
    within_standard_share (0-1).
    """
    keys = [by] if isinstance(by, str) else list(by)
    return _access_rates(access.group_by(keys).agg(_access_measures())).sort(keys)


def access_by_specialty(
    access: pl.DataFrame, specialties: pl.DataFrame, specialty_id: str | None
) -> pl.DataFrame:
    if specialty_id is not None:
        access = access.filter(pl.col("specialty_id") == specialty_id)
    frame = access_summary(access, "specialty_id")
    wanted = [c for c in ("specialty_id", "wait_standard", "wait_standard_unit") if c in specialties.columns]
    return frame.join(specialties.select(wanted), on="specialty_id", how="left").sort("specialty_id")


def access_weekly(access: pl.DataFrame, specialty_id: str | None) -> pl.DataFrame:
    if specialty_id is not None:
        access = access.filter(pl.col("specialty_id") == specialty_id)
    return access_summary(access, "week_start")


CAPACITY_SUPPRESS = {
    "slots_booked": ["utilisation"],
    "attended": [],
    "no_shows": [],
    "encounters": ["minutes_utilisation"],
    "walk_ins": [],
}


# the additive measures of the capacity mart: summed over days (and facilities) before any rate is taken
CAPACITY_SUMS = [
    "slots_offered",
    "slots_booked",
    "attended",
    "no_shows",
    "encounters",
    "walk_ins",
    "minutes_scheduled",
    "minutes_used",
]


def capacity_by(capacity: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    """The additive capacity measures summed to `keys`, with utilisation (slots booked of offered, 0-1) and
    minutes utilisation (minutes used of scheduled, 0-1)."""
    return (
        capacity.group_by(keys)
        .agg(pl.col(CAPACITY_SUMS).sum())
        .with_columns(
            utilisation=_safe_div("slots_booked", "slots_offered"),
            minutes_utilisation=_safe_div("minutes_used", "minutes_scheduled"),
        )
        .sort(keys)
    )


def capacity_by_facility(capacity: pl.DataFrame) -> pl.DataFrame:
    return capacity_by(capacity, ["facility_id", "facility_name", "specialty_id"])


HEATMAP_SUPPRESS = {"encounters": ["visits_per_week"], "slots_booked": ["utilisation"]}


def weekday_hour(load: pl.DataFrame) -> pl.DataFrame:
    """load: sums by weekday and hour with `weeks`, the number of weeks summed (or rows with week_start)."""
    if "weeks" in load.columns:
        weeks = max(int(load["weeks"].max() or 1), 1)
    else:
        weeks = max(load["week_start"].n_unique(), 1) if load.height else 1
    return (
        load.group_by("iso_weekday", "hour_of_day")
        .agg(pl.col("slots_offered", "slots_booked", "encounters").sum())
        .with_columns(
            utilisation=_safe_div("slots_booked", "slots_offered"),
            visits_per_week=pl.col("encounters") / weeks,
        )
        .sort("iso_weekday", "hour_of_day")
    )


# ------------------------------------------------------------------------------------ costs, prescribing

# attached residents are a population (0 for a unit that attaches nobody), not a count of patients seen
COST_SUPPRESS = {"visits": ["cost_per_visit_rub"]}
_REVENUES = ["revenue_oms_rub", "revenue_budget_rub", "revenue_dms_rub", "revenue_paid_rub"]


def costs_by(finance: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    """Money summed to `keys` over the months given, in roubles: expenses, revenue by funding source, visits,
    attached residents (mean over months, summed over facilities), cost per visit and cost per attached
    resident a month."""
    per_facility = finance.group_by([*keys, "facility_id"] if "facility_id" not in keys else keys).agg(
        pl.col("expenses_rub", "visits", "revenue_rub", *_REVENUES).sum(),
        pl.col("attached_residents").mean(),
        pl.col("month_start").n_unique().alias("months"),
    )
    return (
        per_facility.group_by(keys)
        .agg(
            pl.col("expenses_rub", "visits", "revenue_rub", *_REVENUES).sum(),
            pl.col("attached_residents").sum().round(0).cast(pl.Int64),
            pl.col("months").max(),
        )
        .with_columns(
            cost_per_visit_rub=_safe_div("expenses_rub", "visits"),
            cost_per_attached_resident_rub=_safe_div(
                pl.col("expenses_rub") / pl.col("months"), "attached_residents"
            ),
        )
        .sort(keys)
    )


def costs_by_facility(finance: pl.DataFrame) -> pl.DataFrame:
    return costs_by(finance, ["facility_id", "facility_name", "okrug_id"])


def costs_monthly(finance: pl.DataFrame) -> pl.DataFrame:
    return (
        finance.group_by("month_start")
        .agg(pl.col("expenses_rub", "visits", "revenue_rub", *_REVENUES, "attached_residents").sum())
        .with_columns(
            cost_per_visit_rub=_safe_div("expenses_rub", "visits"),
            cost_per_attached_resident_rub=_safe_div("expenses_rub", "attached_residents"),
        )
        .sort("month_start")
    )


PRESCRIBING_SUPPRESS = {
    "prescriptions": ["dispensed_share"],
    "patient_months": [],
    "beneficiary_months": [],
    "prescriptions_dispensed": ["dispensed_share", "mean_days_to_dispensing"],
}
PRESCRIBING_NESTED = [("beneficiary_months", "patient_months"), ("prescriptions_dispensed", "prescriptions")]


def _prescribing_measures() -> list[pl.Expr]:
    return [
        pl.col("prescriptions").sum(),
        # distinct patients of a month and okrug cannot be added up to distinct patients of a period
        pl.col("patients").sum().alias("patient_months"),
        pl.col("beneficiaries").sum().alias("beneficiary_months"),
        pl.col("prescriptions_dispensed").sum(),
        _weighted("mean_days_to_dispensing", "prescriptions_dispensed").alias("mean_days_to_dispensing"),
    ]


def prescribing_by_group(frame: pl.DataFrame) -> pl.DataFrame:
    return (
        frame.group_by("atc_group", "atc_group_name")
        .agg(_prescribing_measures())
        .with_columns(dispensed_share=_safe_div("prescriptions_dispensed", "prescriptions"))
        .sort("prescriptions", descending=True)
    )


def prescribing_monthly(frame: pl.DataFrame) -> pl.DataFrame:
    return (
        frame.group_by("month_start")
        .agg(_prescribing_measures())
        .with_columns(dispensed_share=_safe_div("prescriptions_dispensed", "prescriptions"))
        .sort("month_start")
    )
