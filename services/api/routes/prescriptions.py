"""E-prescriptions: a doctor issues at an encounter of their facility; a pharmacy dispenses once."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import select, update

from services.api.deps import PrincipalDep, SessionDep, conflict, field_error, not_found, require_role
from services.api.models import Prescription
from services.api.outbox import emit, moscow_now
from services.api.routes.booking import patient_for_reading
from services.api.routes.records import doctors_encounter
from services.api.schemas import DispenseIn, IdPath, PatientId, PrescriptionIn, PrescriptionOut

router = APIRouter(tags=["prescriptions"])


@router.post("/prescriptions", response_model=PrescriptionOut, status_code=201)
def issue_prescription(body: PrescriptionIn, session: SessionDep, who: PrincipalDep):
    enc = doctors_encounter(session, who, body.encounter_id)
    rx = Prescription(
        encounter_id=enc.encounter_id,
        patient_id=enc.patient_id,
        doctor_id=who.doctor_id,
        issued_at=moscow_now(),
        **body.model_dump(exclude={"encounter_id"}),
    )
    session.add(rx)
    session.flush()
    emit(
        session,
        "prescription_issued",
        {
            "occurred_at": rx.issued_at,
            "prescription_id": rx.prescription_id,
            "encounter_id": rx.encounter_id,
            "patient_id": rx.patient_id,
            "doctor_id": rx.doctor_id,
            "atc_code": rx.atc_code,
            "quantity": rx.quantity,
            "days_supply": rx.days_supply,
            "benefit_category": rx.benefit_category,
        },
        body_fields=PrescriptionIn.model_fields,
    )
    session.commit()
    return rx


@router.post("/prescriptions/{prescription_id}/dispense", response_model=PrescriptionOut)
def dispense_prescription(
    prescription_id: IdPath, session: SessionDep, who: PrincipalDep, body: DispenseIn | None = None
):
    """Dispense a prescription (pharmacists); a prescription is dispensed once."""
    require_role(who, "pharmacist")
    rx = session.get(Prescription, prescription_id)
    if rx is None:
        raise not_found("prescription")
    quantity = body.quantity if body and body.quantity is not None else rx.quantity
    if quantity > rx.quantity:
        raise field_error("body", "quantity", f"more than the {rx.quantity} packs prescribed")
    now = moscow_now()
    done = session.execute(
        update(Prescription)
        .where(Prescription.prescription_id == prescription_id, Prescription.dispensed_at.is_(None))
        .values(dispensed_at=now, pharmacy_id=who.pharmacy_id, dispensed_quantity=quantity)
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:
        raise conflict("prescription already dispensed")
    rx.dispensed_at, rx.pharmacy_id, rx.dispensed_quantity = now, who.pharmacy_id, quantity
    emit(
        session,
        "prescription_dispensed",
        {
            "occurred_at": now,
            "prescription_id": prescription_id,
            "pharmacy_id": who.pharmacy_id,
            "quantity": quantity,
        },
    )
    session.commit()
    return rx


@router.get("/prescriptions", response_model=list[PrescriptionOut])
def list_prescriptions(
    session: SessionDep,
    who: PrincipalDep,
    patient_id: PatientId | None = None,
    undispensed_only: bool = False,
):
    """A patient's prescriptions, newest first (patients their own; doctors, pharmacists, admin anyone's)."""
    patient_id = patient_for_reading(who, patient_id, "doctor", "pharmacist", "admin")
    q = select(Prescription).where(Prescription.patient_id == patient_id)
    if undispensed_only:
        q = q.where(Prescription.dispensed_at.is_(None))
    return session.scalars(q.order_by(Prescription.issued_at.desc())).all()
