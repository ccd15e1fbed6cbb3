"""Referrals: a doctor refers a patient to another specialty; a booking may then use the referral."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import select

from services.api.deps import PrincipalDep, SessionDep, field_error
from services.api.models import Referral, Specialty
from services.api.outbox import emit, moscow_now
from services.api.routes.booking import patient_for_reading
from services.api.routes.records import doctors_encounter
from services.api.schemas import PatientId, ReferralIn, ReferralOut

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
    patient_id = patient_for_reading(who, patient_id, "registry", "doctor", "admin")
    q = select(Referral).where(Referral.patient_id == patient_id).order_by(Referral.issued_at.desc())
    return session.scalars(q).all()
