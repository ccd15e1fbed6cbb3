"""The one formatting layer for what people read: labels, units and number formats of every column.

Pure (no Streamlit, no data access). Every table on every page goes through `table()`, every headline figure
through `value()`, and the charts take their axis formats from `tick_format()`, so a share is "12.3%" in a
table, "12%" on the axis of its chart and "12.3%" in a headline, and never 0.123 anywhere.

A column's machine name (`within_standard_share`) maps to a `Column`: the label people read (with its unit)
and a kind that says how to write its values. Codes are shown by name: a code column whose name column is in
the frame (`specialty_id` beside `specialty_name`, see `NAME_OF`) is left out of the table; the read layer
(dashboards/data.py `publish`) attaches the names. Empty cells read "—"; suppressed counts "[c]". CSV
downloads are not formatted: they keep the machine names and raw values (dashboards/components/tables.py).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass

import pandas as pd
import polars as pl

EMPTY = "—"
SMALL_CELL = 5
# ONS's mark for a confidential cell: one mark for a count below SMALL_CELL and for a count hidden so that it
# cannot be subtracted back (secondary suppression), since "<5" on the second would be false and two marks
# would tell which cells are the small ones
SUPPRESSED_MARK = "[c]"
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

# contract vocabulary (services/contract/vocabulary.py) -> what people call them
FACILITY_KIND_NAMES = {
    "adult_polyclinic": "Adult polyclinic",
    "children_polyclinic": "Children's polyclinic",
    "branch": "Polyclinic branch",
    "womens_consultation": "Women's consultation",
    "dental_clinic": "Dental clinic",
    "diagnostic_centre": "Diagnostic centre",
}
WAIT_STANDARD_UNITS = {"hours": "hours", "working_days": "working days"}
# Rosstat's bed profiles (services/contract/vocabulary.py BED_PROFILES) and the admission types
BED_PROFILE_NAMES = {
    "therapeutic": "Therapeutic",
    "surgical": "Surgical",
    "cardiology": "Cardiology",
    "neurology": "Neurology",
    "infectious": "Infectious diseases",
    "maternity": "Maternity",
    "gynaecological": "Gynaecology",
    "oncology": "Oncology",
    "paediatric": "Paediatrics",
}
ADMISSION_TYPE_NAMES = {"planned": "Planned", "emergency": "Emergency", "all": "All"}
# AHRQ Prevention Quality Indicators as people read them (the measures: dbt seed `pqi_measures`, whose
# numbers tests/unit/dashboards/test_formatting.py checks these against)
PQI_NAMES = {
    "90": "PQI 90: overall composite",
    "91": "PQI 91: acute composite",
    "92": "PQI 92: chronic composite",
    "01": "PQI 01: diabetes short-term complications",
    "03": "PQI 03: diabetes long-term complications",
    "05": "PQI 05: COPD or asthma in older adults (40+)",
    "07": "PQI 07: hypertension",
    "08": "PQI 08: heart failure",
    "11": "PQI 11: community-acquired pneumonia",
    "12": "PQI 12: urinary tract infection",
    "14": "PQI 14: uncontrolled diabetes",
    "15": "PQI 15: asthma in younger adults (18-39)",
}


@dataclass(frozen=True)
class Column:
    """label: what the reader sees (unit included); kind: how values are written (see `value`)."""

    label: str
    kind: str = "text"


# the code column -> the column holding its name, shown instead of the code
NAME_OF = {
    "specialty_id": "specialty_name",
    "okrug_id": "okrug_name",
    "facility_kind": "facility_kind_name",
    "facility_id": "facility_name",
    "register_code": "register_name",
    "atc_group": "atc_group_name",
    "hospital_id": "hospital_name",
    "bed_profile": "bed_profile_name",
    "admission_type": "admission_type_name",
    "pqi_number": "pqi_name",
}
# codes people know by their code as well: shown beside the name
KEEP_CODE = {"atc_group"}

_BANDS = {
    "band_same_day_share": "Booked same day",
    "band_1_day_share": "Booked 1 day ahead",
    "band_2_7_days_share": "Booked 2–7 days ahead",
    "band_8_14_days_share": "Booked 8–14 days ahead",
    "band_15_21_days_share": "Booked 15–21 days ahead",
    "band_22_28_days_share": "Booked 22–28 days ahead",
    "band_over_28_days_share": "Booked > 28 days ahead",
}

COLUMNS: dict[str, Column] = {
    # who and where
    "facility_id": Column("Facility ID", "id"),
    "facility_name": Column("Facility"),
    "facility_kind": Column("Kind of facility"),
    "facility_kind_name": Column("Kind of facility"),
    "okrug_id": Column("Okrug code"),
    "okrug_name": Column("Okrug"),
    "specialty_id": Column("Specialty code"),
    "specialty_name": Column("Specialty"),
    "specialty_name_en": Column("Specialty"),
    "doctor_id": Column("Doctor ID", "id"),
    "rate": Column("Post (FTE)", "decimal"),
    "register_code": Column("Register code"),
    "register_name": Column("Register"),
    "atc_group": Column("ATC code"),
    "atc_group_name": Column("ATC group"),
    "sex": Column("Sex", "sex"),
    "age_band": Column("Age band (years)"),
    "year": Column("Year", "id"),
    "hospital_id": Column("Hospital ID", "id"),
    "hospital_name": Column("Hospital"),
    "bed_profile": Column("Bed profile code"),
    "bed_profile_name": Column("Bed profile"),
    "admission_type": Column("Admission type code"),
    "admission_type_name": Column("Admission type"),
    "pqi_number": Column("PQI number"),
    "pqi_name": Column("Prevention Quality Indicator"),
    # when
    "week_start": Column("Week starting", "date"),
    "month_start": Column("Month", "month"),
    "slot_date": Column("Day", "date"),
    "activity_date": Column("Day", "date"),
    "date_day": Column("Day", "date"),
    "discharge_month": Column("Month of discharge", "month"),
    "days": Column("Days", "count"),
    "iso_weekday": Column("Weekday", "weekday"),
    "hour_of_day": Column("Hour", "hour"),
    "weeks": Column("Weeks", "count"),
    "months": Column("Months", "count"),
    # activity
    "visits": Column("Visits", "count"),
    "encounters": Column("Visits", "count"),
    "bookings": Column("Bookings", "count"),
    "remote_bookings": Column("Remote bookings", "count"),
    "appointments": Column("Appointments", "count"),
    "attended": Column("Attended", "count"),
    "access_attended": Column("Attended (wait measured)", "count"),
    "seen_within_standard": Column("Seen within the standard", "count"),
    "no_shows": Column("Did not attend", "count"),
    "booked_outcomes": Column("Attended or missed", "count"),
    "cancellations": Column("Cancellations", "count"),
    "walk_ins": Column("Walk-ins", "count"),
    "slots_offered": Column("Slots offered", "count"),
    "slots_booked": Column("Slots booked", "count"),
    "minutes_scheduled": Column("Minutes scheduled", "count"),
    "minutes_used": Column("Minutes used", "count"),
    "visits_per_week": Column("Visits a week", "decimal"),
    # rates and shares (0-1)
    "dna_rate": Column("DNA rate", "share"),
    "within_standard_share": Column("Seen within the wait standard", "share"),
    "remote_share": Column("Booked remotely", "share"),
    "utilisation": Column("Slot utilisation", "share"),
    "minutes_utilisation": Column("Minutes used of scheduled", "share"),
    "load_ratio": Column("Load (minutes used of scheduled)", "share"),
    "dispensed_share": Column("Dispensed", "share"),
    **{band: Column(label, "share") for band, label in _BANDS.items()},
    # waits
    "median_lead_time_days": Column("Median lead time (days)", "days"),
    "p90_lead_time_days": Column("90th percentile lead time (days)", "days"),
    "tnaa_days": Column("Third next available appointment (days)", "days"),
    "wait_standard": Column("Wait standard", "decimal"),
    "wait_standard_unit": Column("Wait standard unit", "unit"),
    "mean_days_to_dispensing": Column("Mean days to dispensing", "days"),
    # money
    "expenses_rub": Column("Expenses (₽)", "roubles"),
    "revenue_rub": Column("Revenue (₽)", "roubles"),
    "revenue_oms_rub": Column("Revenue: OMS (₽)", "roubles"),
    "revenue_budget_rub": Column("Revenue: budget (₽)", "roubles"),
    "revenue_dms_rub": Column("Revenue: DMS (₽)", "roubles"),
    "revenue_paid_rub": Column("Revenue: paid services (₽)", "roubles"),
    "cost_per_visit_rub": Column("Cost per visit (₽)", "roubles"),
    "cost_per_attached_resident_rub": Column("Cost per attached resident a month (₽)", "roubles"),
    "attached_residents": Column("Attached residents", "count"),
    # prescribing
    "prescriptions": Column("Prescriptions", "count"),
    "prescriptions_dispensed": Column("Prescriptions dispensed", "count"),
    "patient_months": Column("Patient-months", "count"),
    "beneficiary_months": Column("Beneficiary-months", "count"),
    # registers
    "registered_patients": Column("Registered patients", "count"),
    "new_cases": Column("New cases", "count"),
    "population": Column("Residents at risk", "count"),
    "crude_rate": Column("Crude rate (per 100,000)", "rate"),
    "dsr": Column("Age-standardised rate (per 100,000)", "rate"),
    "dsr_note": Column("Note on the standardised rate"),
    "standard": Column("Standard population"),
    "with_dispensary_visit": Column("With a dispensary visit", "count"),
    "with_guideline_prescription": Column("With a guideline prescription", "count"),
    "visit_pct": Column("With a dispensary visit (%)", "percent"),
    "prescription_pct": Column("With a guideline prescription (%)", "percent"),
    # hospitals: occupancy from the midnight census (0-100 %), length of stay, readmissions, planned care
    "occupied_bed_days": Column("Occupied bed-days (midnight census)", "count"),
    "available_bed_days": Column("Available bed-days (staffed beds)", "count"),
    "occupancy_pct": Column("Bed occupancy (%)", "percent"),
    "bed_turnover": Column("Bed turnover (discharges per bed)", "decimal"),
    "admissions": Column("Admissions", "count"),
    "discharges": Column("Discharges", "count"),
    "alos_days": Column("Average length of stay (days)", "days"),
    "median_los_days": Column("Median length of stay (days)", "days"),
    "p90_los_days": Column("90th percentile length of stay (days)", "days"),
    "share_over_30_days": Column("Stays over 30 days", "share"),
    "los_band": Column("Length of stay"),
    "share_of_profile": Column("Share of the profile's discharges", "share"),
    "index_stays": Column("Index stays", "count"),
    "unplanned_readmissions_30d": Column("Unplanned readmissions within 30 days", "count"),
    "readmission_rate": Column("30-day readmission rate", "share"),
    "referred_admissions": Column("Planned admissions by referral", "count"),
    "admitted_within_standard": Column("Admitted within the standard", "count"),
    "admitted_within_standard_share": Column("Admitted within the standard (14/7 working days)", "share"),
    "discharges_home": Column("Discharges home", "count"),
    "followed_up_within_7_days": Column("Seen within 7 days of discharge", "count"),
    "followed_up_share": Column("Seen within 7 days of discharge (share)", "share"),
    "standardised_population": Column("Standardised population (PHE's derived denominator)", "count"),
    "significance": Column("Against peers (95% / 99.8% limits)"),
    # data quality
    "table_name": Column("Source table", "words"),
    "checks": Column("Checks", "count"),
    "column_name": Column("Column", "words"),
    "rule_label": Column("Check"),
    "rule_name": Column("Rule name (OHDSI DQD's where it has one)"),
    "rule_description": Column("What the check asks"),
    "rows_this_week": Column("Rows caught this week", "count"),
    "rows_previous_week": Column("Rows caught the week before", "count"),
    "exported_rows_this_week": Column("Rows exported this week", "count"),
    "exported_rows": Column("Rows exported", "count"),
    "quarantined_share_this_week": Column("Caught of the rows exported this week", "share"),
    "quarantined_share": Column("Caught of all rows exported", "share"),
    "latest_partition_date": Column("Latest day loaded", "date"),
    "caught_on": Column("Day caught", "date"),
    "example_number": Column("Example", "id"),
    "file_name": Column("File"),
    "row_number": Column("Row in the file (from 0)", "id"),
    "message": Column("What is wrong", "words"),
    "is_snapshot": Column("Reference snapshot", "yesno"),
    "is_reconciled": Column("Reconciled", "yesno"),
    "first_partition_date": Column("First day loaded", "date"),
    "last_partition_date": Column("Last day loaded", "date"),
    "partition_date": Column("Day", "date"),
    "partition_key": Column("Partition"),
    "partitions": Column("Partitions", "count"),
    "last_loaded_at": Column("Last loaded at", "datetime"),
    "loaded_at": Column("Loaded at", "datetime"),
    "load_id": Column("Load ID"),
    "landing_rows": Column("Rows exported", "count"),
    "loaded_rows": Column("Rows loaded", "count"),
    "quarantined_rows": Column("Rows quarantined", "count"),
    "unreconciled_partitions": Column("Partitions not reconciled", "count"),
}

# confidence limits, named by the registers' methods `<measure>_<lower|upper><level>cl` (95.0 -> 95_0)
_LIMIT = re.compile(
    r"^(?P<measure>crude|dsr|visit|prescription)_(?P<side>lower|upper)(?P<level>\d+)_(?P<frac>\d+)cl$"
)
_LIMIT_OF = {
    "crude": ("crude rate", "rate"),
    "dsr": ("standardised rate", "rate"),
    "visit": ("dispensary visit", "percent"),
    "prescription": ("guideline prescription", "percent"),
}


def column(name: str) -> Column:
    """The label and kind of a column; an unknown name reads as words ("some_count" -> "Some count")."""
    if name in COLUMNS:
        return COLUMNS[name]
    limit = _LIMIT.match(name)
    if limit:
        what, kind = _LIMIT_OF[limit["measure"]]
        level = limit["level"] if limit["frac"] == "0" else f"{limit['level']}.{limit['frac']}"
        unit = " (per 100,000)" if kind == "rate" else " (%)"
        return Column(f"{what.capitalize()}: {limit['side']} {level}% limit{unit}", kind)
    return Column(name.replace("_", " ").strip().capitalize())


def label(name: str) -> str:
    return column(name).label


def value(x: object, kind: str) -> str:
    """One value as people read it: counts 12,345; shares (0-1) and percents (0-100) as 12.3%; rates per
    100,000 as 1,234.5; days 2.7; roubles 2,132,129 ₽; dates 6 Jan 2025; empty as "—"."""
    if x is None or (isinstance(x, float) and math.isnan(x)) or x is pd.NaT:
        return EMPTY
    try:
        if pd.isna(x):
            return EMPTY
    except (TypeError, ValueError):
        pass
    if kind == "count":
        return f"{x:,.0f}"
    if kind == "share":
        return f"{float(x):.1%}"
    if kind == "percent":
        return f"{float(x):.1f}%"
    if kind == "rate":
        return f"{float(x):,.1f}"
    if kind in ("days", "decimal"):
        return f"{float(x):,.1f}"
    if kind == "roubles":
        return f"{float(x):,.0f} ₽"
    if kind == "date":
        return f"{_date(x):%-d %b %Y}"
    if kind == "month":
        return f"{_date(x):%b %Y}"
    if kind == "datetime":
        return f"{x:%-d %b %Y %H:%M}"
    if kind == "weekday":
        return WEEKDAYS[int(x) - 1]
    if kind == "hour":
        return f"{int(x):02d}:00"
    if kind == "yesno":
        return "yes" if x else "no"
    if kind == "sex":
        return {"M": "Men", "F": "Women"}.get(str(x), str(x))
    if kind == "unit":
        return WAIT_STANDARD_UNITS.get(str(x), str(x).replace("_", " "))
    if kind == "words":  # a contract name read as words: appointment_booked -> appointment booked
        return str(x).replace("_", " ")
    if kind == "id" and isinstance(x, float) and x.is_integer():
        return str(int(x))
    return str(x)


def _date(x: object) -> dt.date:
    return x.date() if isinstance(x, dt.datetime) else x  # pandas Timestamps are datetimes


def tick_format(kind: str) -> str:
    """Plotly's tick format for an axis of values of this kind."""
    return {"share": ".0%", "percent": ".0f", "days": ".1f"}.get(kind, ",")


def shown_columns(frame: pl.DataFrame) -> list[str]:
    """The columns a table shows, in order: no suppression flags, and a code's name in the code's place
    when the frame has it (the code itself is left out unless people also know it by it, like ATC codes)."""
    present = set(frame.columns)
    names = set(NAME_OF.values())
    shown = []
    for c in frame.columns:
        if c.endswith("_suppressed") or (c in names and _code_of(c) in present):
            continue  # a name is placed where its code is
        name = NAME_OF.get(c)
        if name in present:
            shown += [c, name] if c in KEEP_CODE else [name]
        else:
            shown.append(c)
    return shown


def _code_of(name: str) -> str | None:
    return next((code for code, n in NAME_OF.items() if n == name), None)


def table(frame: pl.DataFrame) -> tuple[pd.DataFrame, dict]:
    """The frame as people read it: (a pandas frame of labelled columns, every cell written out as text, the
    Streamlit column settings that go with it: numbers right-aligned).

    Every cell is text because the browser's table shows an empty number as "None" whatever its format, and
    reads raw values (0.0441, 2025-01-06 00:00:00) to screen readers and copies: written out, a cell is the
    same on screen, to a screen reader and in a copy. A count with a true `<col>_suppressed` flag reads "[c]",
    the rates blanked with it "—". (The CSV download keeps the raw values.)
    """
    columns = shown_columns(frame)
    labels = _unique_labels(columns)
    written, settings = [], {}
    for name in columns:
        kind = column(name).kind
        flag = f"{name}_suppressed"
        mark = pl.col(flag) if flag in frame.columns else pl.lit(False)
        text = pl.col(name).map_elements(lambda x, kind=kind: value(x, kind), return_dtype=pl.Utf8)
        written.append(
            pl.when(mark).then(pl.lit(SUPPRESSED_MARK)).otherwise(text.fill_null(EMPTY)).alias(labels[name])
        )
        if kind not in TEXT_KINDS:
            settings[labels[name]] = {"alignment": "right"}
    return frame.select(written).to_pandas(), settings


TEXT_KINDS = {"text", "sex", "unit", "weekday", "words"}


def _unique_labels(columns: list[str]) -> dict[str, str]:
    """Labels by column; two columns with one label (visits and encounters) get their names to tell them."""
    labels = {c: label(c) for c in columns}
    seen: dict[str, int] = {}
    for c in columns:
        seen[labels[c]] = seen.get(labels[c], 0) + 1
    return {c: labels[c] if seen[labels[c]] == 1 else f"{labels[c]} [{c.replace('_', ' ')}]" for c in columns}


def suppression_note(hidden: int, what: str = "row(s)") -> str:
    return (
        f"{hidden} {what} with counts suppressed: shown as '{SUPPRESSED_MARK}' (fewer than {SMALL_CELL} "
        "patients, or a count that would give such a one away by subtraction), with the rates from them left "
        "blank."
    )
