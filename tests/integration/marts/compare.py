"""Read every mart from DuckDB and PostgreSQL and compare them row by row (floats to 1e-9)."""

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
]  # fmt: skip


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
