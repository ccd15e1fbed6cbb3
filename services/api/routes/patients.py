"""Patients: registry staff register a patient; the outpatient card."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import select

from services.api.deps import (
    PrincipalDep,
    SessionDep,
    SettingsDep,
    forbidden,
    not_found,
    require_role,
)
from services.api.models import Appointment, Encounter, Patient, Prescription, Referral
from services.api.outbox import moscow_now
from services.api.routes.records import encounter_out
from services.api.rules import enforce
from services.api.schemas import (
    AppointmentOut,
    CardOut,
    PatientId,
    PatientIn,
    PatientOut,
    PrescriptionOut,
    ReferralOut,
)
from services.api.security import pseudonym
from services.contract import table as contract_table

router = APIRouter(tags=["patients"])


@router.post("/patients", response_model=PatientOut, status_code=201)
def register_patient(body: PatientIn, session: SessionDep, settings: SettingsDep, who: PrincipalDep):
    """Register a patient. The id is a keyed pseudonym of the OMS policy number.

    The patient is checked as a row of the contract's patients snapshot first (422 for a birth in the
    future, say; 409 when the id is registered already), as the warehouse would check it."""
    require_role(who, "registry", "admin")
    patient = Patient(
        patient_id=pseudonym(settings.pseudonym_key, f"oms:{body.oms_policy}"), **body.model_dump()
    )
    row = {c: getattr(patient, c) for c in contract_table("patients").column_names}
    enforce(session, "patients", row, today=moscow_now().date(), body_fields=PatientIn.model_fields)
    session.add(patient)
    session.commit()
    return patient


@router.get("/patients/{patient_id}/card", response_model=CardOut)
def outpatient_card(patient_id: PatientId, session: SessionDep, who: PrincipalDep):
    """The outpatient card: the patient's own, or any patient's for a doctor or admin, or for registry staff
    of the patient's polyclinic of attachment."""
    if who.role == "patient" and patient_id != who.patient_id:
        raise forbidden("a patient reads only their own card")
    if who.role == "pharmacist":
        raise forbidden("pharmacists do not read cards")
    patient = session.get(Patient, patient_id)
    if patient is None:
        raise not_found("patient")
    if who.role == "registry" and patient.attached_facility_id != who.facility_id:
        raise forbidden("registry staff read cards of patients attached to their facility only")

    def rows(model, order, out=None):
        found = session.scalars(select(model).where(model.patient_id == patient_id).order_by(order.desc()))
        return [out.model_validate(r) for r in found] if out else list(found)

    return CardOut(
        patient=PatientOut.model_validate(patient),
        appointments=rows(Appointment, Appointment.booked_at, AppointmentOut),
        encounters=[encounter_out(session, e) for e in rows(Encounter, Encounter.opened_at)],
        prescriptions=rows(Prescription, Prescription.issued_at, PrescriptionOut),
        referrals=rows(Referral, Referral.issued_at, ReferralOut),
    )
