"""Booking: book, cancel, reschedule, attendance. A taken slot answers 409.

Who books: a patient for themselves; registry staff (and doctors) for any patient, into slots of their own
facility; admin anywhere. The race for a slot is settled by a conditional UPDATE in the database (see
`take_slot`), never by a check in Python.
"""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError
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
from services.api.models import Appointment, Patient, Referral, Slot
from services.api.outbox import emit, moscow_now
from services.api.schemas import (
    AppointmentOut,
    AttendanceIn,
    BookingIn,
    CancelIn,
    IdPath,
    PatientId,
    RescheduleIn,
)
from services.api.security import Principal

router = APIRouter(tags=["booking"])

DEFAULT_CHANNEL = {
    "patient": "portal",
    "registry": "registry_desk",
    "doctor": "doctor_referral",
    "admin": "call_centre",
}
STAFF = ("registry", "doctor")


SLOTS, APPOINTMENTS = Slot.__table__, Appointment.__table__
# Built once: booking is the hot path, and building a statement costs more than running it here.
TAKE_SLOT = (
    update(SLOTS)
    .where(SLOTS.c.slot_id == bindparam("sid"), SLOTS.c.is_booked.is_(False))
    .values(is_booked=True)
    .returning(SLOTS.c.facility_id, SLOTS.c.specialty_id, SLOTS.c.starts_at)
)
INSERT_APPOINTMENT = insert(APPOINTMENTS).returning(APPOINTMENTS.c.appointment_id)


def take_slot(session: Session, slot_id: int):
    """Mark a free slot booked; the one transaction whose UPDATE matches wins, the others get 409.

    On PostgreSQL a concurrent UPDATE of the same row waits for the first to commit or roll back, then
    re-checks `is_booked` and matches nothing; on SQLite writers are serialised.
    """
    row = session.connection().execute(TAKE_SLOT, {"sid": slot_id}).one_or_none()
    if row is None:
        if session.get(Slot, slot_id) is None:
            raise field_error("body", "slot_id", "no such slot")
        raise conflict("slot already taken")
    if row.starts_at <= moscow_now():
        raise conflict("slot has already started")
    return row


def check_facility(who: Principal, facility_id: int, doing: str) -> None:
    if who.role in STAFF and who.facility_id != facility_id:
        raise forbidden(f"{who.role} staff {doing} at their own facility only")


def booking_row(appt: dict) -> dict:
    return {
        "occurred_at": appt["booked_at"],
        "appointment_id": appt["appointment_id"],
        "slot_id": appt["slot_id"],
        "patient_id": appt["patient_id"],
        "channel": appt["channel"],
        "referral_id": appt["referral_id"],
    }


def _use_referral(
    session: Session, referral_id: int, patient_id: str, specialty_id: str, appt_id: int
) -> None:
    referral = session.get(Referral, referral_id)
    if referral is None or referral.patient_id != patient_id:
        raise field_error("body", "referral_id", "no such referral for this patient")
    if referral.to_specialty_id != specialty_id:
        raise field_error("body", "referral_id", f"the referral is to {referral.to_specialty_id}")
    used = session.execute(
        update(Referral)
        .where(
            Referral.referral_id == referral_id,
            Referral.used_by_appointment_id.is_(None),
            Referral.admitted_stay_id.is_(None),  # a referral leads to one booking or one stay
        )
        .values(used_by_appointment_id=appt_id)
        .execution_options(synchronize_session=False)
    )
    if used.rowcount != 1:
        raise conflict("referral already used")


def insert_appointment(session: Session, **values) -> dict:
    appt = {**values, "status": "booked", "booked_at": moscow_now()}
    try:
        appt["appointment_id"] = session.connection().execute(INSERT_APPOINTMENT, appt).scalar_one()
    except IntegrityError:  # the unique index on a slot's active appointment: a second line of defence
        raise conflict("slot already taken") from None
    return appt


@router.post("/appointments", response_model=AppointmentOut, status_code=201)
def book_slot(body: BookingIn, session: SessionDep, who: PrincipalDep):
    """Book a slot. 409 when the slot is taken or has started."""
    if who.role == "patient":
        if body.patient_id is not None and body.patient_id != who.patient_id:
            raise forbidden("a patient books only for themselves")
        patient_id = who.patient_id
    else:
        require_role(who, "registry", "doctor", "admin")
        if body.patient_id is None:
            raise field_error("body", "patient_id", "required when booking for someone else")
        patient_id = body.patient_id
        if session.get(Patient, patient_id) is None:
            raise field_error("body", "patient_id", "no such patient")
    slot = take_slot(session, body.slot_id)
    check_facility(who, slot.facility_id, "book")
    appt = insert_appointment(
        session,
        slot_id=body.slot_id,
        patient_id=patient_id,
        channel=body.channel or DEFAULT_CHANNEL[who.role],
        referral_id=body.referral_id,
    )
    if body.referral_id is not None:
        _use_referral(session, body.referral_id, patient_id, slot.specialty_id, appt["appointment_id"])
    emit(session, "appointment_booked", booking_row(appt), body_fields=BookingIn.model_fields)
    session.commit()
    return appt


def _own_appointment(session: Session, who: Principal, appointment_id: int) -> tuple[Appointment, Slot]:
    appt = session.get(Appointment, appointment_id)
    if appt is None:
        raise not_found("appointment")
    slot = session.get(Slot, appt.slot_id)
    if who.role == "patient":
        if appt.patient_id != who.patient_id:
            raise forbidden("not your appointment")
    else:
        require_role(who, "registry", "doctor", "admin")
        check_facility(who, slot.facility_id, "manage appointments")
    return appt, slot


def _cancel(session: Session, appt: Appointment, slot: Slot, by: str, reason: str | None) -> dict:
    now = moscow_now()
    done = session.execute(
        update(Appointment)
        .where(Appointment.appointment_id == appt.appointment_id, Appointment.status == "booked")
        .values(status="cancelled", changed_at=now)
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:
        raise conflict(f"appointment is {appt.status}, not booked")
    if slot.starts_at <= now:
        raise conflict("the slot has already started")
    session.execute(
        update(Slot)
        .where(Slot.slot_id == slot.slot_id)
        .values(is_booked=False)
        .execution_options(synchronize_session=False)
    )
    if appt.referral_id is not None:  # the referral can be used again
        session.execute(
            update(Referral)
            .where(Referral.used_by_appointment_id == appt.appointment_id)
            .values(used_by_appointment_id=None)
            .execution_options(synchronize_session=False)
        )
    appt.status = "cancelled"
    return {"occurred_at": now, "appointment_id": appt.appointment_id, "cancelled_by": by, "reason": reason}


@router.post("/appointments/{appointment_id}/cancel", response_model=AppointmentOut)
def cancel_appointment(
    appointment_id: IdPath, session: SessionDep, who: PrincipalDep, body: CancelIn | None = None
):
    appt, slot = _own_appointment(session, who, appointment_id)
    by = "patient" if who.role == "patient" else "facility"
    row = _cancel(session, appt, slot, by, body.reason if body else None)
    emit(session, "appointment_cancelled", row)
    session.commit()
    return appt


@router.post("/appointments/{appointment_id}/reschedule", response_model=AppointmentOut, status_code=201)
def reschedule_appointment(
    appointment_id: IdPath, body: RescheduleIn, session: SessionDep, who: PrincipalDep
):
    """Move a booking to a free slot of the same specialty: the old one is cancelled, a new one booked."""
    appt, old_slot = _own_appointment(session, who, appointment_id)
    new_slot = take_slot(session, body.slot_id)
    check_facility(who, new_slot.facility_id, "book")
    if new_slot.specialty_id != old_slot.specialty_id:
        raise field_error("body", "slot_id", f"the new slot must be of {old_slot.specialty_id}")
    by = "patient" if who.role == "patient" else "facility"
    cancelled = _cancel(session, appt, old_slot, by, "rescheduled")
    new = insert_appointment(
        session,
        slot_id=body.slot_id,
        patient_id=appt.patient_id,
        channel=DEFAULT_CHANNEL[who.role],
        referral_id=appt.referral_id,
    )
    if appt.referral_id is not None:
        _use_referral(
            session, appt.referral_id, appt.patient_id, new_slot.specialty_id, new["appointment_id"]
        )
    emit(session, "appointment_cancelled", cancelled)
    emit(session, "appointment_booked", booking_row(new))
    session.commit()
    return new


@router.post("/appointments/{appointment_id}/attendance", response_model=AppointmentOut)
def record_attendance(appointment_id: IdPath, body: AttendanceIn, session: SessionDep, who: PrincipalDep):
    """Record that the patient came (or did not): registry staff or a doctor of the slot's facility."""
    require_role(who, "registry", "doctor", "admin")
    appt, _slot = _own_appointment(session, who, appointment_id)
    mark_attendance(session, appt, body.attended)
    session.commit()
    return appt


def mark_attendance(session: Session, appt: Appointment, attended: bool) -> None:
    status = "attended" if attended else "no_show"
    now = moscow_now()
    done = session.execute(
        update(Appointment)
        .where(Appointment.appointment_id == appt.appointment_id, Appointment.status == "booked")
        .values(status=status, changed_at=now)
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:
        raise conflict(f"appointment is {appt.status}, not booked")
    appt.status = status
    table = "appointment_attended" if attended else "appointment_no_show"
    emit(session, table, {"occurred_at": now, "appointment_id": appt.appointment_id})


@router.get("/appointments", response_model=list[AppointmentOut])
def list_appointments(session: SessionDep, who: PrincipalDep, patient_id: PatientId | None = None):
    """A patient's appointments, newest first (a patient sees their own)."""
    patient_id = patient_for_reading(who, patient_id)
    q = select(Appointment).where(Appointment.patient_id == patient_id).order_by(Appointment.booked_at.desc())
    return session.scalars(q).all()


@router.get("/appointments/{appointment_id}", response_model=AppointmentOut)
def get_appointment(appointment_id: IdPath, session: SessionDep, who: PrincipalDep):
    appt, _slot = _own_appointment(session, who, appointment_id)
    return appt


def patient_for_reading(who: Principal, patient_id: str | None, *roles: str) -> str:
    """Whose records a request may read: a patient only their own; the given staff roles anyone's."""
    if who.role == "patient":
        if patient_id is not None and patient_id != who.patient_id:
            raise forbidden("a patient reads only their own records")
        return who.patient_id
    require_role(who, *(roles or ("registry", "doctor", "admin")))
    if patient_id is None:
        raise field_error("query", "patient_id", "required")
    return patient_id
