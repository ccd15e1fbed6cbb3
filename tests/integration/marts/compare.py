"""Read marts from two warehouses (DuckDB and PostgreSQL, or two builds) and compare them row by row
(floats to 1e-9), leaving out the columns that name a run or a load rather than the data."""

from __future__ import annotations

import datetime as dt
import decimal
import math

MARTS = [
    "dim_dates", "dim_okrugs", "dim_districts", "dim_facilities", "dim_specialties", "dim_doctors",
    "dim_patients", "dim_icd10", "dim_atc",
    "fct_slots", "fct_appointments", "fct_encounters", "fct_diagnoses", "fct_prescriptions", "fct_referrals",
    "mart_access_weekly", "mart_capacity_daily", "mart_facility_load_daily", "mart_doctor_load_weekly",
    "mart_load_weekday_hour", "mart_finance_monthly", "mart_finance_cost_per_visit",
    "mart_prescribing_monthly",
    "fct_hospital_stays", "fct_hospital_readmissions", "mart_bed_occupancy_daily",
    "mart_length_of_stay_monthly", "mart_readmissions_monthly", "mart_avoidable_admissions_yearly",
    "mart_planned_care_monthly", "mart_register_admissions",
]  # fmt: skip


# the dbt run that wrote a row (macros/audit.sql) and the load that brought a partition name when and how a
# warehouse was built, not what it holds
RUN_COLUMNS = {"_built_at", "load_id", "loaded_at", "last_loaded_at"}


def mart_relations(execute) -> list[str]:
    """Every table and view of the marts schema, by name."""
    sql = "select table_name from information_schema.tables where table_schema = 'marts' order by 1"
    return [r[0] for r in execute(sql)]


def data_columns(execute, mart: str) -> list[str]:
    """The columns of a mart that hold data (not RUN_COLUMNS), in table order."""
    sql = (
        "select column_name from information_schema.columns "
        f"where table_schema = 'marts' and table_name = '{mart}' order by ordinal_position"
    )
    return [r[0] for r in execute(sql) if r[0] not in RUN_COLUMNS]


def _normal(value):
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return float(value)  # a count is int64 on one target and a float or decimal sum on the other
    return value


def _key(row):
    return tuple((v is None, str(v) if not isinstance(v, float) else f"{v:.6f}") for v in row)


def rows(execute, mart: str, columns: list[str]) -> list[tuple]:
    select = ", ".join(columns)
    got = [tuple(_normal(v) for v in r) for r in execute(f"select {select} from marts.{mart}")]
    return sorted(got, key=_key)


def differences(left: list[tuple], right: list[tuple], columns: list[str], limit: int = 5) -> list[str]:
    """The first few rows that differ between the two sides, described."""
    if len(left) != len(right):
        return [f"{len(left)} rows against {len(right)}"]
    found = []
    for a, b in zip(left, right, strict=True):
        for col, x, y in zip(columns, a, b, strict=True):
            same = (
                math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-9)
                if isinstance(x, float) and isinstance(y, float)
                else x == y
            )
            if not same:
                found.append(f"{col}: {x!r} != {y!r} in {a}")
                break
        if len(found) >= limit:
            break
    return found
