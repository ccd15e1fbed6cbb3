"""The simulated hospitals recover their calibration (issue 14, acceptance 2), measured on the landing files.

One year of a small city (65k residents, two hospitals) is simulated once for the module and read with
DuckDB; every figure below is recomputed from the files alone (admissions, discharges, departments' dated
beds, the population snapshot) and compared with `services/simulator/calibration.py` within ±15%.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest

from services.contract import BED_PROFILES, TABLES
from services.simulator import calibration as cal
from services.simulator import simulate
from services.simulator.city import build_city
from services.simulator.reference import reference_tables
from services.simulator.validate import check_landing
from services.simulator.workdays import working_day_index

SEED, SCALE, START, DAYS = 5, 0.005, dt.date(2025, 1, 1), 365
END = START + dt.timedelta(DAYS)  # the first day after the year
TOLERANCE = 0.15
W0, W1 = f"timestamp '{START}'", f"timestamp '{END}'"


def _close(measured: float, target: float, what: str) -> None:
    assert abs(measured / target - 1) <= TOLERANCE, f"{what}: {measured:.4f} against {target:.4f}"


@pytest.fixture(scope="module")
def year(tmp_path_factory) -> tuple[Path, duckdb.DuckDBPyConnection]:
    landing = tmp_path_factory.mktemp("hospital_year") / "landing"
    simulate(landing, scale=SCALE, start=START, days=DAYS, seed=SEED)
    con = duckdb.connect()
    for name, t in TABLES.items():
        glob = f"{landing}/{name}/*/*.parquet" if t.kind == "transaction" else f"{landing}/{name}/*.parquet"
        con.execute(f"create table {name} as select * from read_parquet('{glob}', hive_partitioning = false)")
    # one row per stay: admission, discharge (if any) and the admitting department's bed profile
    con.execute(
        """create table stays as
        select a.stay_id, a.patient_id, a.occurred_at as admitted_at, a.admission_type, a.admission_source,
               a.referral_id, a.primary_icd10, a.attached_facility_id, d.occurred_at as discharged_at,
               d.discharge_outcome, p.bed_profile
        from hospital_admitted a
        left join hospital_discharged d using (stay_id)
        join (select distinct department_id, bed_profile from hospital_departments) p using (department_id)"""
    )
    return landing, con


def one(con, sql: str):
    return con.execute(sql).fetchone()


def test_the_year_keeps_the_contract(year):
    landing, _ = year
    assert check_landing(landing) == []


def test_admissions_per_1000_residents(year):
    _, con = year
    residents = one(con, f"select sum(population) from population where year = {START.year}")[0]
    admissions = one(
        con, f"select count(*) from hospital_admitted where occurred_at >= {W0} and occurred_at < {W1}"
    )[0]
    _close(admissions / residents * 1000, cal.ADMISSIONS_PER_RESIDENT * 1000, "admissions per 1,000")


def test_emergency_share(year):
    _, con = year
    share = one(
        con,
        f"""select avg((admission_type = 'emergency')::int) from hospital_admitted
        where occurred_at >= {W0} and occurred_at < {W1}""",
    )[0]
    _close(share, cal.EMERGENCY_SHARE, "emergency share")


def test_average_length_of_stay_by_profile(year):
    """ALOS (discharge date minus admission date) of the stays admitted in the year's first ten months
    (later ones may still be in hospital), by the admitting department's bed profile."""
    _, con = year
    rows = con.execute(
        f"""select bed_profile, count(*), avg(date_diff('day', admitted_at::date, discharged_at::date))
        from stays where admitted_at >= {W0} and admitted_at < {W1} - interval 60 day
        group by bed_profile"""
    ).fetchall()
    alos = {p: (n, v) for p, n, v in rows}
    assert set(alos) == set(BED_PROFILES)  # every profile has beds and stays at any scale
    for profile in cal.BED_PROFILE_STAYS:
        n, value = alos[profile.profile]
        assert n >= 100, profile.profile
        _close(value, profile.alos_days, f"ALOS of {profile.profile}")


def test_bed_occupancy_from_the_midnight_census(year):
    """Occupied bed-days (a stay counts the midnights from admission to discharge, stays still in hospital
    to the year's end) over the beds of each day (departments' dated bed counts)."""
    _, con = year
    occupied = one(
        con,
        f"""select sum(greatest(0, date_diff('day', greatest(admitted_at::date, date '{START}'),
                                            least(coalesce(discharged_at::date, date '{END}'),
                                                  date '{END}'))))
        from stays""",
    )[0]
    capacity = one(
        con,
        f"""select sum(beds * greatest(0, date_diff('day', greatest(valid_from, date '{START}'),
                                                    least(coalesce(valid_to + 1, date '{END}'),
                                                          date '{END}'))))
        from hospital_departments""",
    )[0]
    _close(occupied / capacity, cal.BED_OCCUPANCY, "bed occupancy")
    winter = one(
        con,
        f"""select count(*) filter (where admitted_at::date between date '{START.year}-01-15' and
                                         date '{START.year}-02-28')
                   / count(*) filter (where admitted_at::date between date '{START.year}-07-01' and
                                            date '{START.year}-08-14')
        from stays where admission_type = 'emergency'""",
    )[0]
    assert winter > 1.1  # emergencies peak in the respiratory season


def test_30_day_readmissions_of_index_stays(year):
    """Index stays: discharged home (not died, not transferred out) in the year's first eleven months;
    readmitted: an unplanned (emergency) admission of the same patient within 30 days of the discharge
    (CMS's hospital-wide measure leaves planned readmissions out)."""
    _, con = year
    rate = one(
        con,
        f"""select avg(case when exists (
                select 1 from stays r where r.patient_id = i.patient_id and r.admission_type = 'emergency'
                and r.admitted_at > i.discharged_at and r.admitted_at <= i.discharged_at + interval 30 day)
            then 1 else 0 end)
        from stays i
        where i.discharge_outcome = 'home' and i.discharged_at >= {W0}
          and i.discharged_at < {W1} - interval 30 day""",
    )[0]
    _close(rate, cal.READMISSION_30D, "30-day readmission rate")


def test_in_hospital_deaths_are_the_patients_deaths(year):
    """About 1.9% of discharges die; each died discharge is the patient's date of death in the patients
    snapshot, and the patient has no later admission or booking."""
    _, con = year
    died = one(
        con,
        f"""select avg((discharge_outcome = 'died')::int) from hospital_discharged
        where occurred_at >= {W0} and occurred_at < {W1}""",
    )[0]
    _close(died, cal.IN_HOSPITAL_MORTALITY, "in-hospital mortality")
    # the snapshot shows deaths from the month after them (monthly registry batches)
    mismatched, n = one(
        con,
        f"""select count(*) filter (where p.death_date is distinct from s.discharged_at::date), count(*)
        from stays s join patients p using (patient_id)
        where s.discharge_outcome = 'died' and s.discharged_at < timestamp '{END.year - 1}-12-01'""",
    )
    assert n > 20 and mismatched == 0
    later = one(
        con,
        """select count(*) from stays s
        join (select patient_id, occurred_at from hospital_admitted
              union all select patient_id, occurred_at from appointment_booked) e using (patient_id)
        where s.discharge_outcome = 'died' and e.occurred_at > s.discharged_at""",
    )[0]
    assert later == 0


def test_planned_admissions_follow_a_referral_within_the_standard(year):
    """Nearly every planned admission names a referral of its patient issued at a polyclinic visit; most
    come within the programme's standard (14 working days, oncology 7), a few later."""
    _, con = year
    rows = con.execute(
        f"""select s.bed_profile, r.patient_id = s.patient_id, r.occurred_at::date, s.admitted_at::date,
                   e.encounter_id is not null
        from stays s left join referral_issued r using (referral_id)
        left join encounter_closed e on e.encounter_id = r.encounter_id
        where s.admission_type = 'planned' and s.admitted_at >= {W0} + interval 60 day
          and s.attached_facility_id is not null and s.admission_source = 'referral'"""
    ).fetchall()
    assert len(rows) > 500
    linked = [r for r in rows if r[1]]
    assert len(linked) / len(rows) > 0.97
    assert all(r[4] for r in linked)  # issued at a real visit
    within = 0
    for profile, _, issued, admitted, _ in linked:
        wait = int(working_day_index(admitted.toordinal()) - working_day_index(issued.toordinal()))
        assert wait >= 1
        within += wait <= cal.PLANNED_WAIT_STANDARD_WD.get(profile, cal.PLANNED_WAIT_STANDARD_DEFAULT_WD)
    assert 0.8 < within / len(linked) < 0.99  # most within the standard, a few beyond
    referrals = one(con, "select count(*) from referral_issued")[0]
    assert len(linked) / referrals > 0.05  # a share of the referrals lead to an admission


def test_follow_up_visits_after_a_discharge_home(year):
    """The attached polyclinic books a follow-up in a real slot after most discharges home; most visits
    within 7 days; the booking comes after the discharge; some are attended."""
    _, con = year
    booked, within7, after, attended = one(
        con,
        f"""select avg((f.stay_id is not null)::int),
                   avg(case when date_diff('day', s.discharged_at::date, sl.starts_at::date) <= 7
                       then 1 else 0 end),
                   bool_and(f.stay_id is null
                            or (b.occurred_at >= s.discharged_at and sl.starts_at > b.occurred_at)),
                   avg((att.appointment_id is not null)::int) filter (where f.stay_id is not null)
        from stays s
        left join follow_up_booked f using (stay_id)
        left join appointment_booked b on b.appointment_id = f.appointment_id
        left join slot_published sl on sl.slot_id = b.slot_id
        left join appointment_attended att on att.appointment_id = f.appointment_id
        where s.discharge_outcome = 'home' and s.attached_facility_id is not null
          and s.discharged_at >= {W0} and s.discharged_at < {W1} - interval 20 day""",
    )
    assert 0.7 < booked < 0.95 and after
    assert 0.55 < within7 < 0.75
    assert 0.8 < attended < 1.0


def test_avoidable_admissions_come_more_often_from_patients_without_dispensary_observation(year):
    """AHRQ PQI conditions make a plausible share of emergency admissions, and a diabetic, hypertensive or
    heart-failure patient whose register condition is not under dispensary observation (no dispensary
    start recorded) is admitted for it more often than one who is."""
    _, con = year
    share = one(
        con,
        """select avg((regexp_matches(primary_icd10,
                                     '^(E1[0-4]|J4[4-6]|I1[0-5]|I50|J1[3-8]|N39\\.0|N10|N30|E86)'))::int)
        from hospital_admitted where admission_type = 'emergency'""",
    )[0]
    assert 0.08 < share < 0.25
    rates = con.execute(
        """with reg as (
            select patient_id, coalesce(bool_or(dispensary_action = 'start'), false) as observed
            from diagnosis_recorded where regexp_matches(icd10_code, '^(E1[0-4]|I1[0-5]|I50)')
            group by patient_id),
        adm as (
            select patient_id, count(*) as n from hospital_admitted
            where regexp_matches(primary_icd10, '^(E1[0-4]|I1[0-5]|I50)') group by patient_id)
        select observed, sum(coalesce(n, 0)) / count(*)
        from reg left join adm using (patient_id) group by observed"""
    ).fetchall()
    by = dict(rates)
    assert by[False] > 1.3 * by[True]


def test_transfers_and_secondary_diagnoses(year):
    _, con = year
    moved, stays = one(
        con,
        """select (select count(distinct stay_id) from patient_transferred), count(*)
        from hospital_admitted""",
    )
    assert 0.03 < moved / stays < 0.12
    assert one(
        con,
        """select bool_and(t.occurred_at > a.occurred_at and t.from_department_id <> t.to_department_id)
        from patient_transferred t join hospital_admitted a using (stay_id)""",
    )[0]
    secondary = one(con, "select avg((secondary_icd10 is not null)::int) from hospital_discharged")[0]
    assert 0.3 < secondary < 0.5


def test_hospitals_spread_over_the_okrugs_with_dated_departments():
    """~70 city hospitals at scale 1.0 (here a fifth of it), of every kind, over the okrugs; at least two
    at any scale; a department whose beds change closes its row and opens another."""
    city = build_city(3, 0.2, START)
    tables = reference_tables(city, START + dt.timedelta(3 * 365))
    hospitals = tables["hospitals"].to_pydict()
    assert len(hospitals["hospital_id"]) == round(sum(cal.HOSPITAL_COUNTS.values()) * 0.2)
    assert set(hospitals["kind"]) == {"multi_profile", "specialised", "children"}
    assert len(set(hospitals["okrug_id"])) >= 8
    departments = tables["hospital_departments"].to_pydict()
    assert set(departments["bed_profile"]) == set(BED_PROFILES)
    closed = [i for i, v in enumerate(departments["valid_to"]) if v is not None]
    assert closed
    for i in closed:
        later = [
            j
            for j, d in enumerate(departments["department_id"])
            if d == departments["department_id"][i]
            and departments["valid_from"][j] == departments["valid_to"][i] + dt.timedelta(1)
        ]
        assert len(later) == 1
    tiny = reference_tables(build_city(3, 0.001, START), START)["hospitals"]
    assert tiny.num_rows >= 2
