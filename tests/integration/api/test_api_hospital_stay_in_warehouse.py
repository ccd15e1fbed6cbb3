"""Issue 14, acceptance 4: a referral issued in a polyclinic, the planned admission it leads to, the
discharge and the follow-up booked after it are followed through the API, then ingested from the outbox
into the warehouse of a simulated city, where they end up linked: referral -> stay -> follow-up booking,
in the raw tables and, once the marts are built, in fct_hospital_stays (the referral that led to the stay)
and int_hospital_discharges_followed_up (the booking the polyclinic linked to it) to fct_appointments.

The API carries the simulated city on (its clock starts the morning after the last simulated day). When
the city's landing holds no hospitals (a simulator from before issue 14), the test writes one, as the
simulator would, before seeding: the API takes its hospitals from the same reference files.
"""

from __future__ import annotations

import datetime as dt
import shutil

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from pipelines.assets.outbox import ingest_outbox
from pipelines.build import build
from services.api.db import make_engine, session_factory
from services.api.main import create_app
from services.api.models import Doctor, Facility, HospitalDepartment, Patient, Slot, Specialty
from services.api.outbox import read_outbox, set_clock
from services.api.security import issue_token
from services.api.seed import seed_from_landing
from services.api.settings import Settings
from services.contract import arrow_schema, table, transaction_tables
from services.contract.landing import landed_days, reference_dir
from tests.integration.api.conftest import clock_at
from warehouse.ingest import target_for

LONG_AGO = dt.date(2020, 1, 1)


def _hospitals_in(landing) -> bool:
    return any(reference_dir(landing, "hospital_departments").glob("*.parquet"))


def _write_a_hospital(landing) -> None:
    """One hospital with a therapeutic and a cardiology department, in the contract's reference files."""
    hospital = dict(
        hospital_id=1, name="City Hospital 1", kind="multi_profile", okrug_id="CAO", district_id=1
    )
    departments = [
        dict(
            department_id=d, hospital_id=1, name=n, bed_profile=p, beds=40, valid_from=LONG_AGO, valid_to=None
        )
        for d, n, p in ((1, "Therapy", "therapeutic"), (2, "Cardiology", "cardiology"))
    ]
    for name, rows in (("hospitals", [hospital]), ("hospital_departments", departments)):
        folder = reference_dir(landing, name)
        folder.mkdir(parents=True, exist_ok=True)
        pq.write_table(
            pa.Table.from_pylist(rows, schema=arrow_schema(table(name))), folder / "part-0.parquet"
        )


def _cast(session, clock: dt.datetime, follow_up_from: dt.datetime) -> dict:
    """Who plays: a living patient attached to a polyclinic with a doctor and a free slot after
    `follow_up_from`, that polyclinic's doctor and registry, two departments of one hospital."""
    free = select(Slot).where(Slot.is_booked.is_(False), Slot.starts_at > follow_up_from)
    patient = None
    for slot in session.scalars(free.order_by(Slot.starts_at).limit(5000)):
        # patients are attached to a head polyclinic; its branches' slots are theirs too
        facility = session.get(Facility, slot.facility_id)
        patient = session.scalars(
            select(Patient).where(
                Patient.attached_facility_id == (facility.parent_facility_id or facility.facility_id),
                Patient.death_date.is_(None),
                Patient.birth_month < dt.date(2000, 1, 1),
            )
        ).first()
        if patient is not None:
            break
    assert patient is not None, "the seeded city has no free slot after the discharge near an attached adult"
    doctor = session.get(Doctor, slot.doctor_id)
    valid = (HospitalDepartment.valid_from <= clock.date()) & (
        HospitalDepartment.valid_to.is_(None) | (HospitalDepartment.valid_to >= follow_up_from.date())
    )
    first = session.scalars(
        select(HospitalDepartment).where(valid).order_by(HospitalDepartment.hospital_id)
    ).first()
    assert first is not None, "no hospital department open over the stay"
    hospital_id = first.hospital_id
    other = session.scalars(
        select(HospitalDepartment).where(
            valid,
            HospitalDepartment.hospital_id == hospital_id,
            HospitalDepartment.department_id != first.department_id,
        )
    ).first()
    assert other is not None, "no second department in the hospital"
    specialty = session.scalar(select(func.min(Specialty.specialty_id)))
    return dict(
        patient=patient.patient_id,
        facility=patient.attached_facility_id,
        slot=slot.slot_id,
        specialty=specialty,
        hospital=hospital_id,
        departments=(first.department_id, other.department_id),
        tokens=dict(
            doctor=issue_token(session, "doctor", doctor_id=doctor.doctor_id),
            registry=issue_token(session, "registry", facility_id=slot.facility_id),
            hospital=issue_token(session, "hospital", hospital_id=hospital_id),
        ),
    )


def _through_the_api(client: TestClient, cast: dict, clock: dt.datetime) -> dict:
    """Referral, planned admission, transfer, discharge, follow-up: each at its time on the service's
    clock, all on the API's first day (a day case): the warehouse's data then reaches that day only, as
    it would in production, where the city's own activity carries on beside the API's (a stay days long
    here would leave the simulator's bookings of the days between without their outcomes, which the
    warehouse's lifecycle checks rightly refuse). Returns the ids the warehouse must link."""

    def post(who: str, url: str, body: dict) -> dict:
        r = client.post(
            f"/api/v1{url}", json=body, headers={"Authorization": f"Bearer {cast['tokens'][who]}"}
        )
        assert r.status_code in (200, 201), r.text
        return r.json()

    with clock_at(clock + dt.timedelta(hours=1)):
        encounter = post("doctor", "/encounters", {"patient_id": cast["patient"]})
        post(
            "doctor",
            f"/encounters/{encounter['encounter_id']}/close",
            {"diagnoses": [{"icd10_code": "I25.1", "is_primary": True}]},
        )
        referral = post(
            "doctor",
            "/referrals",
            {"encounter_id": encounter["encounter_id"], "to_specialty_id": cast["specialty"]},
        )
    with clock_at(clock + dt.timedelta(hours=2)):
        stay = post(
            "hospital",
            "/stays",
            {
                "patient_id": cast["patient"],
                "department_id": cast["departments"][0],
                "admission_type": "planned",
                "referral_id": referral["referral_id"],
                "primary_icd10": "I20.0",
            },
        )
    with clock_at(clock + dt.timedelta(hours=5)):
        post("hospital", f"/stays/{stay['stay_id']}/transfer", {"to_department_id": cast["departments"][1]})
    with clock_at(clock + dt.timedelta(hours=9)):
        post(
            "hospital",
            f"/stays/{stay['stay_id']}/discharge",
            {"discharge_outcome": "home", "primary_icd10": "I20.0"},
        )
    with clock_at(clock + dt.timedelta(hours=10)):
        booked = post("registry", f"/stays/{stay['stay_id']}/follow-up", {"slot_id": cast["slot"]})
    return dict(
        referral_id=referral["referral_id"],
        stay_id=stay["stay_id"],
        appointment_id=booked["appointment"]["appointment_id"],
    )


def test_a_referral_its_stay_and_the_follow_up_end_up_linked_in_the_warehouse(
    built_city, tmp_path, monkeypatch
):
    data = tmp_path / "data"
    shutil.copytree(built_city["data_dir"] / "landing", data / "landing")
    shutil.copy(built_city["data_dir"] / "warehouse.duckdb", data / "warehouse.duckdb")
    monkeypatch.setenv("EMIAS_DATA_DIR", str(data))
    if not _hospitals_in(data / "landing"):
        _write_a_hospital(data / "landing")
    last_day = max(d for t in transaction_tables() for d in landed_days(data / "landing", t.name))
    clock = dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time(8, 0))
    url = f"sqlite:///{data / 'api.sqlite'}"
    seed_from_landing(data / "landing", url, from_date=clock.date())

    engine = make_engine(url)
    with session_factory(engine)() as session:
        cast = _cast(session, clock, follow_up_from=clock + dt.timedelta(hours=11))
        session.commit()
    engine.dispose()
    app = create_app(Settings(api_db_url=url, api_clock_start=clock))
    try:
        with TestClient(app) as client:
            ids = _through_the_api(client, cast, clock)
    finally:
        set_clock(None)
        app.state.engine.dispose()
    written = {r.table_name for r in read_outbox(url, 0, 10_000)}
    assert {"referral_issued", "hospital_admitted", "hospital_discharged", "follow_up_booked"} <= written

    with duckdb.connect(str(data / "warehouse.duckdb")) as con:
        target = target_for(con)
        ingest_outbox(target, url)
        assert target.execute("select table_name, reason from raw.raw_quarantine") == []
        linked = target.execute(
            """
            select r.patient_id, a.admission_type, a.attached_facility_id, t.to_department_id,
                   d.discharge_outcome, b.slot_id, b.patient_id
            from raw.referral_issued as r
            join raw.hospital_admitted as a on a.referral_id = r.referral_id
            join raw.patient_transferred as t on t.stay_id = a.stay_id
            join raw.hospital_discharged as d on d.stay_id = a.stay_id
            join raw.follow_up_booked as f on f.stay_id = a.stay_id
            join raw.appointment_booked as b on b.appointment_id = f.appointment_id
            where r.referral_id = ? and a.stay_id = ? and b.appointment_id = ?
            """,
            [ids["referral_id"], ids["stay_id"], ids["appointment_id"]],
        )
    assert linked == [
        (
            cast["patient"],
            "planned",
            cast["facility"],
            cast["departments"][1],
            "home",
            cast["slot"],
            cast["patient"],
        )
    ]

    build("duckdb")  # reloading the landing files leaves the outbox rows in place
    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as con:
        in_marts = con.execute(
            """
            select s.patient_id, s.admission_type, s.attached_facility_id, r.referral_id, s.transfers,
                   s.discharge_outcome, a.appointment_id, a.slot_id
            from marts.fct_hospital_stays as s
            join marts.fct_referrals as r on r.referral_id = s.referral_id
            join intermediate.int_hospital_discharges_followed_up as f on f.stay_id = s.stay_id
            join marts.fct_appointments as a on a.appointment_id = f.follow_up_appointment_id
            where s.stay_id = ?
            """,
            [ids["stay_id"]],
        ).fetchall()
    assert in_marts == [
        (
            cast["patient"],
            "planned",
            cast["facility"],
            ids["referral_id"],
            1,
            "home",
            ids["appointment_id"],
            cast["slot"],
        )
    ]
