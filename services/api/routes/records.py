"""Records: a doctor opens and closes an encounter with diagnoses, at their own facility only."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from services.api.deps import (
    PrincipalDep,
    SessionDep,
    conflict,
    field_error,
    forbidden,
    not_found,
    require_role,
)
from services.api.models import Appointment, Diagnosis, Doctor, Encounter, Patient, Slot, Specialty
from services.api.outbox import emit, moscow_now
from services.api.routes.booking import mark_attendance
from services.api.schemas import CloseIn, DiagnosisOut, EncounterIn, EncounterOut, IdPath
from services.api.security import Principal

router = APIRouter(tags=["records"])


def encounter_out(session: Session, enc: Encounter) -> EncounterOut:
    out = EncounterOut.model_validate(enc)
    diagnoses = session.scalars(
        select(Diagnosis).where(Diagnosis.encounter_id == enc.encounter_id).order_by(Diagnosis.diagnosis_id)
    )
    out.diagnoses = [DiagnosisOut.model_validate(d) for d in diagnoses]
    return out


def doctors_encounter(session: Session, who: Principal, encounter_id: int) -> Encounter:
    """An encounter the calling doctor may write to: one at the doctor's own facility."""
    require_role(who, "doctor")
    enc = session.get(Encounter, encounter_id)
    if enc is None:
        raise not_found("encounter")
    if enc.facility_id != who.facility_id:
        raise forbidden("a doctor writes records at their own facility only")
    return enc


@router.post("/encounters", response_model=EncounterOut, status_code=201)
def open_encounter(body: EncounterIn, session: SessionDep, who: PrincipalDep):
    """Open a visit: for a booked appointment (which marks it attended) or a walk-in."""
    require_role(who, "doctor")
    if body.facility_id is not None and body.facility_id != who.facility_id:
        raise forbidden("a doctor writes records at their own facility only")
    doctor = session.get(Doctor, who.doctor_id)
    if doctor is None or doctor.facility_id != who.facility_id:
        raise forbidden("the doctor no longer holds a post at this facility")
    if session.get(Patient, body.patient_id) is None:
        raise field_error("body", "patient_id", "no such patient")
    appt = None
    if body.appointment_id is not None:
        appt = session.get(Appointment, body.appointment_id)
        if appt is None or appt.patient_id != body.patient_id:
            raise field_error("body", "appointment_id", "no such appointment for this patient")
        if session.get(Slot, appt.slot_id).facility_id != who.facility_id:
            raise forbidden("a doctor writes records at their own facility only")
        if appt.status not in ("booked", "attended"):
            raise conflict(f"appointment is {appt.status}")
    enc = Encounter(
        appointment_id=body.appointment_id,
        patient_id=body.patient_id,
        doctor_id=doctor.doctor_id,
        facility_id=doctor.facility_id,
        specialty_id=doctor.specialty_id,
        visit_type=body.visit_type,
        funding_source=body.funding_source,
        is_walk_in=appt is None,
        opened_at=moscow_now(),
    )
    session.add(enc)
    session.flush()
    if appt is not None and appt.status == "booked":
        mark_attendance(session, appt, attended=True)  # last: it writes the outbox
    session.commit()
    return encounter_out(session, enc)


@router.post("/encounters/{encounter_id}/close", response_model=EncounterOut)
def close_encounter(encounter_id: IdPath, body: CloseIn, session: SessionDep, who: PrincipalDep):
    """Close a visit with its diagnoses (exactly one primary)."""
    enc = doctors_encounter(session, who, encounter_id)
    now = moscow_now()
    minutes = body.minutes
    if minutes is None:
        specialty = session.get(Specialty, enc.specialty_id)
        minutes = min(max(specialty.minutes_norm if specialty else 15, 1), 240)
    done = session.execute(
        update(Encounter)
        .where(Encounter.encounter_id == encounter_id, Encounter.closed_at.is_(None))
        .values(closed_at=now, minutes=minutes)
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:
        raise conflict("encounter is already closed")
    enc.closed_at, enc.minutes = now, minutes
    diagnoses = [
        Diagnosis(encounter_id=encounter_id, patient_id=enc.patient_id, recorded_at=now, **d.model_dump())
        for d in body.diagnoses
    ]
    session.add_all(diagnoses)
    session.flush()
    emit(
        session,
        "encounter_closed",
        {
            "occurred_at": now,
            "encounter_id": enc.encounter_id,
            "appointment_id": enc.appointment_id,
            "patient_id": enc.patient_id,
            "doctor_id": enc.doctor_id,
            "facility_id": enc.facility_id,
            "specialty_id": enc.specialty_id,
            "visit_type": enc.visit_type,
            "funding_source": enc.funding_source,
            "is_walk_in": enc.is_walk_in,
            "minutes": minutes,
        },
    )
    for d in diagnoses:
        emit(
            session,
            "diagnosis_recorded",
            {
                "occurred_at": now,
                "encounter_id": enc.encounter_id,
                "patient_id": enc.patient_id,
                "icd10_code": d.icd10_code,
                "is_primary": d.is_primary,
                "diagnosis_kind": d.diagnosis_kind,
                "dispensary_action": d.dispensary_action,
            },
        )
    session.commit()
    return encounter_out(session, enc)


@router.get("/encounters/{encounter_id}", response_model=EncounterOut)
def get_encounter(encounter_id: IdPath, session: SessionDep, who: PrincipalDep):
    enc = session.get(Encounter, encounter_id)
    if enc is None:
        raise not_found("encounter")
    if who.role == "patient":
        if enc.patient_id != who.patient_id:
            raise forbidden("a patient reads only their own records")
    else:
        require_role(who, "doctor", "admin")
    return encounter_out(session, enc)
