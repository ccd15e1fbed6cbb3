"""The hospital marts recomputed from the raw tables, independently of the dbt models (issue 14, acceptance
3): bed occupancy by the midnight census, length of stay and 30-day readmissions, on the small city.

The recomputation is plain pandas over `raw.*`, written from the definitions (the marts' headers), not from
the SQL: a stay walked day by day through its departments, its discharge looked up by stay, its next
admission found by sorting the patient's stays."""

from __future__ import annotations

import datetime as dt
import math

import duckdb
import numpy as np
import pandas as pd
import pytest

DAY = dt.timedelta(days=1)


def _raw(con, table: str) -> pd.DataFrame:
    return con.execute(f"select * from raw.{table}").df()


def _day(value) -> dt.date:
    return pd.Timestamp(value).date()


class Raw:
    """The raw hospital tables of a warehouse, as plain Python values."""

    def __init__(self, con):
        self.admitted = _raw(con, "hospital_admitted")
        self.discharged = _raw(con, "hospital_discharged").set_index("stay_id")
        self.transfers = _raw(con, "patient_transferred").sort_values(["occurred_at", "event_id"])
        self.departments = _raw(con, "hospital_departments")
        self.patients = _raw(con, "patients").set_index("patient_id")
        days = [self.admitted, self.discharged, self.transfers]
        self.last_day = max(_day(t["_partition_date"].max()) for t in days if len(t))
        self.first_day = _day(self.admitted["_partition_date"].min())

    def profile(self, department_id: int, day: dt.date) -> str | None:
        rows = self.departments[self.departments["department_id"] == department_id]
        for _, r in rows.iterrows():
            if _day(r["valid_from"]) <= day and (pd.isna(r["valid_to"]) or _day(r["valid_to"]) >= day):
                return r["bed_profile"]
        return None

    def moves(self, stay) -> list[tuple[dt.datetime, int]]:
        """(when, department entered) of a stay, in order: its admission, then its transfers."""
        moved = self.transfers[self.transfers["stay_id"] == stay["stay_id"]]
        return [(stay["occurred_at"], stay["department_id"])] + list(
            zip(moved["occurred_at"], moved["to_department_id"], strict=True)
        )

    def discharge(self, stay_id):
        return self.discharged.loc[stay_id] if stay_id in self.discharged.index else None


def census(raw: Raw) -> dict:
    """(hospital, profile, day) -> patients in a bed at the midnight ending the day."""
    counts: dict = {}
    for _, stay in raw.admitted.iterrows():
        out = raw.discharge(stay["stay_id"])
        end = _day(out["occurred_at"]) - DAY if out is not None else raw.last_day
        moves = raw.moves(stay)
        day = _day(stay["occurred_at"])
        while day <= min(end, raw.last_day):
            department = [d for when, d in moves if _day(when) <= day][-1]
            key = (stay["hospital_id"], raw.profile(department, day), day)
            counts[key] = counts.get(key, 0) + 1
            day += DAY
    return counts


def beds(raw: Raw) -> dict:
    """(hospital, profile, day) -> staffed beds valid that day, over the days of the hospital events."""
    total: dict = {}
    day = raw.first_day
    while day <= raw.last_day:
        for _, r in raw.departments.iterrows():
            if _day(r["valid_from"]) <= day and (pd.isna(r["valid_to"]) or _day(r["valid_to"]) >= day):
                key = (r["hospital_id"], r["bed_profile"], day)
                total[key] = total.get(key, 0) + r["beds"]
        day += DAY
    return total


def discharged_stays(raw: Raw) -> pd.DataFrame:
    """The discharged stays with their length of stay and the profile they were discharged from."""
    rows = []
    for _, stay in raw.admitted.iterrows():
        out = raw.discharge(stay["stay_id"])
        if out is None:
            continue
        last_department = raw.moves(stay)[-1][1]
        rows.append(
            {
                "stay_id": stay["stay_id"],
                "hospital_id": stay["hospital_id"],
                "bed_profile": raw.profile(last_department, _day(out["occurred_at"])),
                "month_start": _day(out["occurred_at"]).replace(day=1),
                "admission_type": stay["admission_type"],
                "los": (_day(out["occurred_at"]) - _day(stay["occurred_at"])).days,
            }
        )
    return pd.DataFrame(rows)


def length_of_stay(raw: Raw) -> dict:
    """(hospital, profile, month, admission type or 'all') -> (discharges, ALOS, median, p90, share > 30)."""
    stays = discharged_stays(raw)
    stays = pd.concat([stays, stays.assign(admission_type="all")])
    out = {}
    for key, g in stays.groupby(["hospital_id", "bed_profile", "month_start", "admission_type"]):
        los = g["los"].to_numpy()
        out[key] = (len(los), los.mean(), np.percentile(los, 50), np.percentile(los, 90), (los > 30).mean())
    return out


def _age(birth_month, day: dt.date) -> int:
    born = _day(birth_month)
    return ((day.year - born.year) * 12 + day.month - born.month) // 12


def _exclusion(raw: Raw, stay, left) -> str | None:
    """Why a stay is not an index stay (None: it is one)."""
    if left is None:
        return "in_hospital"
    if left["discharge_outcome"] != "home":
        return {"died": "died", "other_hospital": "transferred_to_other_hospital"}[left["discharge_outcome"]]
    code = left["primary_icd10"]
    reasons = [
        (
            _age(raw.patients.at[stay["patient_id"], "birth_month"], _day(stay["occurred_at"])) < 18,
            "under_18",
        ),
        (code[0] == "C", "cancer_treatment"),
        (code[0] == "F", "psychiatric"),
        (code[:3] == "Z50", "rehabilitation"),
        (_day(left["occurred_at"]) > raw.last_day - 30 * DAY, "under_30_days_of_follow_up"),
    ]
    return next((reason for failed, reason in reasons if failed), None)


def readmission_flags(raw: Raw) -> dict:
    """stay -> (exclusion reason, the next admission when within 30 days of the discharge, whether that is
    an unplanned readmission of an index stay), after CMS's hospital-wide measure as the project simplifies
    it (fct_hospital_readmissions' header)."""
    stays = raw.admitted.sort_values(["occurred_at", "stay_id"])
    following = {}
    for _, mine in stays.groupby("patient_id"):
        ids = mine["stay_id"].tolist()
        following |= dict(zip(ids, [*ids[1:], None], strict=True))
    by_id = stays.set_index("stay_id")
    flags = {}
    for stay_id, stay in by_id.iterrows():
        left = raw.discharge(stay_id)
        reason = _exclusion(raw, stay, left)
        back = by_id.loc[following[stay_id]] if following[stay_id] is not None else None
        within = (
            left is not None
            and back is not None
            and back["occurred_at"] >= left["occurred_at"]
            and (_day(back["occurred_at"]) - _day(left["occurred_at"])).days <= 30
        )
        readmission = following[stay_id] if within else None
        flags[stay_id] = (
            reason,
            readmission,
            reason is None and within and back["admission_type"] == "emergency",
        )
    return flags


def readmissions(raw: Raw) -> dict:
    """(hospital, profile, discharge month) -> (stays discharged, index stays, unplanned readmissions within
    30 days)."""
    out: dict = {}
    by_id = raw.admitted.set_index("stay_id")
    for stay_id, (reason, _, readmitted) in readmission_flags(raw).items():
        left = raw.discharge(stay_id)
        if left is None:
            continue
        stay = by_id.loc[stay_id]
        left_on = _day(left["occurred_at"])
        last_department = raw.moves({**stay, "stay_id": stay_id})[-1][1]
        key = (stay["hospital_id"], raw.profile(last_department, left_on), left_on.replace(day=1))
        discharged, index, again = out.get(key, (0, 0, 0))
        out[key] = (discharged + 1, index + int(reason is None), again + int(readmitted))
    return out


@pytest.fixture(scope="module")
def city(built_city):
    con = duckdb.connect(str(built_city["data_dir"] / "warehouse.duckdb"), read_only=True)
    yield con, Raw(con)
    con.close()


def test_the_small_city_has_stays_with_transfers_and_admissions_within_30_days(city):
    con, raw = city
    assert len(raw.admitted) > 0 and len(raw.transfers) > 0 and len(raw.discharged) > 0
    followed = "select count(*) from marts.fct_hospital_readmissions where readmission_stay_id is not null"
    assert con.execute(followed).fetchone()[0] > 0
    assert con.execute("select count(*) from marts.fct_hospital_stays").fetchone()[0] == len(raw.admitted)


def test_the_midnight_census_and_beds_equal_a_recomputation_from_raw(city):
    con, raw = city
    rows = con.execute(
        "select hospital_id, bed_profile, date_day, midnight_census, beds from marts.mart_bed_occupancy_daily"
    ).fetchall()
    mart_census = {(h, p, d): c for h, p, d, c, _ in rows if c}
    mart_beds = {(h, p, d): b for h, p, d, _, b in rows}
    assert mart_census == census(raw)
    assert mart_beds == beds(raw)
    assert sum(mart_census.values()) > 0


def test_length_of_stay_equals_a_recomputation_from_raw(city):
    con, raw = city
    rows = con.execute(
        "select hospital_id, bed_profile, month_start, admission_type, discharges, alos_days,"
        " median_los_days, p90_los_days, share_over_30_days from marts.mart_length_of_stay_monthly"
    ).fetchall()
    mart = {tuple(r[:4]): tuple(r[4:]) for r in rows}
    expected = length_of_stay(raw)
    assert mart.keys() == expected.keys()
    for key, want in expected.items():
        got = mart[key]
        assert got[0] == want[0], key
        assert all(math.isclose(g, w, abs_tol=1e-9) for g, w in zip(got[1:], want[1:], strict=True)), key


def test_readmissions_equal_a_recomputation_from_raw(city):
    con, raw = city
    rows = con.execute(
        "select stay_id, exclusion_reason, readmission_stay_id, is_unplanned_readmission_30d"
        " from marts.fct_hospital_readmissions"
    ).fetchall()
    assert {r[0]: tuple(r[1:]) for r in rows} == readmission_flags(raw)
    rows = con.execute(
        "select hospital_id, bed_profile, discharge_month, discharges, index_stays,"
        " unplanned_readmissions_30d from marts.mart_readmissions_monthly"
    ).fetchall()
    assert {tuple(r[:3]): tuple(r[3:]) for r in rows} == readmissions(raw)
