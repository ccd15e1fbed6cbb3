"""Referrals: a doctor refers a patient to another specialty; a booking, or a planned hospital admission,
may then use the referral (once); its read shows the booking or the stay it led to."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import select

from services.api.deps import (
    PrincipalDep,
    SessionDep,
    field_error,
    forbidden,
    not_found,
    refusals,
    require_role,
)
from services.api.models import Referral, Specialty
from services.api.outbox import emit, moscow_now
from services.api.routes.booking import patient_for_reading
from services.api.routes.records import doctors_encounter
from services.api.schemas import IdPath, PatientId, ReferralIn, ReferralOut

router = APIRouter(tags=["referrals"])


@router.post("/referrals", response_model=ReferralOut, status_code=201)
def issue_referral(body: ReferralIn, session: SessionDep, who: PrincipalDep):
    enc = doctors_encounter(session, who, body.encounter_id)
    if session.get(Specialty, body.to_specialty_id) is None:
        raise field_error("body", "to_specialty_id", "no such specialty")
    ref = Referral(
        encounter_id=enc.encounter_id,
        patient_id=enc.patient_id,
        to_specialty_id=body.to_specialty_id,
        issued_at=moscow_now(),
    )
    session.add(ref)
    session.flush()
    emit(
        session,
        "referral_issued",
        {
            "occurred_at": ref.issued_at,
            "referral_id": ref.referral_id,
            "encounter_id": ref.encounter_id,
            "patient_id": ref.patient_id,
            "to_specialty_id": ref.to_specialty_id,
        },
        body_fields=ReferralIn.model_fields,
    )
    session.commit()
    return ref


@router.get("/referrals", response_model=list[ReferralOut])
def list_referrals(session: SessionDep, who: PrincipalDep, patient_id: PatientId | None = None):
    patient_id = patient_for_reading(who, patient_id, "registry", "doctor", "hospital", "admin")
    q = select(Referral).where(Referral.patient_id == patient_id).order_by(Referral.issued_at.desc())
    return session.scalars(q).all()


@router.get(
    "/referrals/{referral_id}",
    response_model=ReferralOut,
    responses=refusals({403: "Another patient's referral; a pharmacist", 404: "No such referral"}),
)
def get_referral(referral_id: IdPath, session: SessionDep, who: PrincipalDep):
    """A referral, with the booking (`used_by_appointment_id`) or the stay (`admitted_stay_id`) it led to."""
    ref = session.get(Referral, referral_id)
    if ref is None:
        raise not_found("referral")
    if who.role == "patient":
        if ref.patient_id != who.patient_id:
            raise forbidden("a patient reads only their own records")
    else:
        require_role(who, "registry", "doctor", "hospital", "admin")
    return ref
