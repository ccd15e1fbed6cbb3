"""Hospitals: the directory of hospitals and departments, bed availability, and a stay from admission to
discharge, then the polyclinic's follow-up booking.

A hospital's staff (role `hospital`, bound to one hospital) admit, transfer and discharge at their own
hospital only (403 elsewhere), as a polyclinic's staff act only for their facility; admin anywhere.
Every write goes to the outbox as its contract row (hospital_admitted, patient_transferred,
hospital_discharged; appointment_booked + follow_up_booked), checked first by the contract's rules
(`services.api.rules`): a rule about the row's own values or the times it is compared with answers 422
(a discharge before the admission: dischargedAfterAdmission), a rule about other rows 409 (a second
discharge: oneDischargePerStay; a referral outside the 90-day reference window: isForeignKey).

Design decisions (README): a planned admission needs the polyclinic's referral for this patient, used
once (by a booking or a stay); an emergency one takes none. A patient is in at most one stay at a time.
A discharge with outcome `died` records the death in the store (`patients.death_date`); a stay ended by
death gets no follow-up.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from services.api.deps import (
    PrincipalDep,
    SessionDep,
    conflict,
    field_error,
    forbidden,
    not_found,
    refusals,
    require_role,
)
from services.api.models import (
    FollowUp,
    Hospital,
    HospitalDepartment,
    Patient,
    Referral,
    Stay,
    Transfer,
)
from services.api.outbox import check_row, emit, moscow_now
from services.api.routes.booking import (
    DEFAULT_CHANNEL,
    booking_row,
    check_facility,
    insert_appointment,
    patient_for_reading,
    take_slot,
)
from services.api.schemas import (
    AdmitIn,
    AppointmentOut,
    BedsOut,
    DepartmentOut,
    DischargeIn,
    FollowUpBookedOut,
    FollowUpIn,
    FollowUpOut,
    HospitalOut,
    IdPath,
    PatientId,
    ProfileBedsOut,
    StayOut,
    TransferIn,
    TransferOut,
)
from services.api.security import Principal

router = APIRouter(tags=["hospitals"])

OTHER_HOSPITAL = "Hospital staff of another hospital, or a role that may not do this"
NO_STAY = "No such stay"
BAD_BODY = (
    "A malformed body, a department not open that day or in another hospital, a time after now; or a "
    "contract rule about the row's own values or the times it is compared with broken (type = the rule)"
)


# --- who may do what ---------------------------------------------------------------------------------------


def _check_hospital(who: Principal, hospital_id: int, doing: str) -> None:
    """Hospital staff act for their own hospital only; admin anywhere; other roles not at all."""
    require_role(who, "hospital", "admin")
    if who.role == "hospital" and who.hospital_id != hospital_id:
        raise forbidden(f"hospital staff {doing} at their own hospital only")


def _may_read_stay(session: Session, who: Principal, stay: Stay) -> None:
    """A stay is read by its hospital's staff, the patient, doctors (as they read any card), registry
    staff of the patient's polyclinic (then or now: they book the follow-up) and admin."""
    if who.role == "hospital":
        if who.hospital_id != stay.hospital_id:
            raise forbidden("hospital staff read their own hospital's stays only")
    elif who.role == "patient":
        if who.patient_id != stay.patient_id:
            raise forbidden("a patient reads only their own records")
    elif who.role == "registry":
        attached_now = session.get(Patient, stay.patient_id).attached_facility_id
        if who.facility_id not in (stay.attached_facility_id, attached_now):
            raise forbidden("registry staff read stays of their facility's attached patients only")
    else:
        require_role(who, "doctor", "admin")


# --- directory and beds ------------------------------------------------------------------------------------


def _valid_on(day: dt.date):
    return and_(
        HospitalDepartment.valid_from <= day,
        or_(HospitalDepartment.valid_to.is_(None), HospitalDepartment.valid_to >= day),
    )


def _department(session: Session, department_id: int, day: dt.date, field: str) -> HospitalDepartment:
    """The department's row valid on `day`; 422 naming `field` when it has none (unknown or closed)."""
    row = session.scalar(
        select(HospitalDepartment).where(HospitalDepartment.department_id == department_id, _valid_on(day))
    )
    if row is None:
        raise field_error("body", field, f"no department {department_id} open on {day}")
    return row


def _hospital(session: Session, hospital_id: int) -> Hospital:
    hospital = session.get(Hospital, hospital_id)
    if hospital is None:
        raise not_found("hospital")
    return hospital


@router.get("/hospitals", response_model=list[HospitalOut], responses=refusals({}))
def list_hospitals(
    session: SessionDep,
    _: PrincipalDep,
    okrug_id: str | None = None,
    kind: str | None = None,
):
    q = select(Hospital).order_by(Hospital.hospital_id)
    if okrug_id is not None:
        q = q.where(Hospital.okrug_id == okrug_id)
    if kind is not None:
        q = q.where(Hospital.kind == kind)
    return session.scalars(q).all()


@router.get(
    "/hospitals/{hospital_id}", response_model=HospitalOut, responses=refusals({404: "No such hospital"})
)
def get_hospital(hospital_id: IdPath, session: SessionDep, _: PrincipalDep):
    return _hospital(session, hospital_id)


@router.get(
    "/hospitals/{hospital_id}/departments",
    response_model=list[DepartmentOut],
    responses=refusals({404: "No such hospital"}),
)
def list_departments(
    hospital_id: IdPath,
    session: SessionDep,
    _: PrincipalDep,
    on: Annotated[dt.date | None, Query(description="The day whose rows to list (default: today)")] = None,
):
    """The hospital's departments with the profile and beds of the row valid on the day."""
    _hospital(session, hospital_id)
    day = on or moscow_now().date()
    q = select(HospitalDepartment).where(HospitalDepartment.hospital_id == hospital_id, _valid_on(day))
    return session.scalars(q.order_by(HospitalDepartment.department_id)).all()


def bed_availability(session: Session, hospital_id: int, now: dt.datetime) -> list[ProfileBedsOut]:
    """Beds by profile at `now`: the staffed beds of the department rows valid today, the patients in
    hospital now (admitted, not discharged) by the profile of the department they lie in, and the
    difference. A patient whose department has no row valid today is not counted."""
    today = now.date()
    beds = dict(
        session.execute(
            select(HospitalDepartment.bed_profile, func.sum(HospitalDepartment.beds))
            .where(HospitalDepartment.hospital_id == hospital_id, _valid_on(today))
            .group_by(HospitalDepartment.bed_profile)
        ).all()
    )
    occupied = dict(
        session.execute(
            select(HospitalDepartment.bed_profile, func.count(Stay.stay_id))
            .join(
                HospitalDepartment,
                and_(HospitalDepartment.department_id == Stay.department_id, _valid_on(today)),
            )
            .where(Stay.hospital_id == hospital_id, Stay.discharged_at.is_(None))
            .group_by(HospitalDepartment.bed_profile)
        ).all()
    )
    return [
        ProfileBedsOut(
            bed_profile=p,
            beds=int(beds.get(p, 0)),
            occupied=occupied.get(p, 0),
            available=int(beds.get(p, 0)) - occupied.get(p, 0),
        )
        for p in sorted(beds.keys() | occupied.keys())
    ]


@router.get(
    "/hospitals/{hospital_id}/beds",
    response_model=BedsOut,
    responses=refusals(
        {403: "Staff of another hospital, a patient or a pharmacist", 404: "No such hospital"}
    ),
)
def get_bed_availability(hospital_id: IdPath, session: SessionDep, who: PrincipalDep):
    """Bed availability by profile now: staffed beds (department rows valid today) minus patients in
    hospital now. Read by the hospital's own staff, polyclinic staff (registry, doctors: they refer) and
    admin."""
    if who.role == "hospital":
        _check_hospital(who, hospital_id, "read beds")
    else:
        require_role(who, "registry", "doctor", "admin")
    _hospital(session, hospital_id)
    now = moscow_now()
    return BedsOut(hospital_id=hospital_id, as_of=now, profiles=bed_availability(session, hospital_id, now))


# --- a stay ------------------------------------------------------------------------------------------


def _when(occurred_at: dt.datetime | None, now: dt.datetime) -> dt.datetime:
    if occurred_at is None:
        return now
    if occurred_at > now:
        raise field_error("body", "occurred_at", f"{occurred_at} is after the service's clock ({now})")
    return occurred_at


def stay_out(session: Session, stay: Stay) -> StayOut:
    out = StayOut.model_validate(stay)
    transfers = select(Transfer).where(Transfer.stay_id == stay.stay_id)
    out.transfers = [
        TransferOut.model_validate(t) for t in session.scalars(transfers.order_by(Transfer.transfer_id))
    ]
    follow_ups = select(FollowUp).where(FollowUp.stay_id == stay.stay_id)
    out.follow_ups = [
        FollowUpOut.model_validate(f) for f in session.scalars(follow_ups.order_by(FollowUp.follow_up_id))
    ]
    return out


def _admission_source(body: AdmitIn) -> str:
    """The source of the admission, by its type: planned comes by the polyclinic's referral (required),
    emergency by ambulance (default), on the patient's own or from another hospital, with no referral."""
    if body.admission_type == "planned":
        if body.referral_id is None:
            raise field_error("body", "referral_id", "a planned admission needs the polyclinic's referral")
        if body.admission_source not in (None, "referral"):
            raise field_error("body", "admission_source", "a planned admission comes by referral")
        return "referral"
    if body.referral_id is not None:
        raise field_error("body", "referral_id", "an emergency admission takes no referral")
    if body.admission_source == "referral":
        raise field_error("body", "admission_source", "an admission by referral is planned")
    return body.admission_source or "ambulance"


def _use_referral(session: Session, referral_id: int, patient_id: str, stay_id: int) -> None:
    referral = session.get(Referral, referral_id)
    if referral is None or referral.patient_id != patient_id:
        raise field_error("body", "referral_id", "no such referral for this patient")
    used = session.execute(
        update(Referral)
        .where(
            Referral.referral_id == referral_id,
            Referral.admitted_stay_id.is_(None),
            Referral.used_by_appointment_id.is_(None),
        )
        .values(admitted_stay_id=stay_id)
        .execution_options(synchronize_session=False)
    )
    if used.rowcount != 1:
        raise conflict("referral already used")


def _admission_row(stay: Stay) -> dict:
    return {
        "occurred_at": stay.admitted_at,
        "stay_id": stay.stay_id,
        "patient_id": stay.patient_id,
        "hospital_id": stay.hospital_id,
        "department_id": stay.admitted_department_id,
        "admission_type": stay.admission_type,
        "admission_source": stay.admission_source,
        "referral_id": stay.referral_id,
        "primary_icd10": stay.primary_icd10,
        "attached_facility_id": stay.attached_facility_id,
    }


@router.post(
    "/stays",
    response_model=StayOut,
    status_code=201,
    summary="Admit a patient",
    responses=refusals(
        {
            403: OTHER_HOSPITAL,
            409: "The patient is in hospital already or has died; the referral was used already; or a "
            "contract rule about other rows broken (isForeignKey: the referral is older than the 90-day "
            "reference window)",
            422: BAD_BODY + " (referralBeforeAdmission, plausibleAfterBirth); a planned admission without "
            "the patient's referral, an emergency one with one",
        }
    ),
)
def admit(body: AdmitIn, session: SessionDep, who: PrincipalDep):
    """Admit a patient to a department: planned (with the polyclinic's referral that led to it) or
    emergency. The patient's attached polyclinic is recorded from the patient. Writes hospital_admitted."""
    require_role(who, "hospital", "admin")
    now = moscow_now()
    at = _when(body.occurred_at, now)
    department = _department(session, body.department_id, at.date(), "department_id")
    _check_hospital(who, department.hospital_id, "admit")
    source = _admission_source(body)
    # locked: two admissions of one patient at once are serialised, and the second sees the first
    patient = session.get(Patient, body.patient_id, with_for_update=True)
    if patient is None:
        raise field_error("body", "patient_id", "no such patient")
    if patient.death_date is not None:
        raise conflict(f"the patient died on {patient.death_date}")
    open_stay = session.scalar(
        select(Stay.stay_id).where(Stay.patient_id == patient.patient_id, Stay.discharged_at.is_(None))
    )
    if open_stay is not None:
        raise conflict(f"the patient is in hospital already (stay {open_stay})")
    stay = Stay(
        patient_id=patient.patient_id,
        hospital_id=department.hospital_id,
        admitted_department_id=department.department_id,
        department_id=department.department_id,
        admission_type=body.admission_type,
        admission_source=source,
        referral_id=body.referral_id,
        primary_icd10=body.primary_icd10,
        attached_facility_id=patient.attached_facility_id,
        admitted_at=at,
    )
    session.add(stay)
    session.flush()
    if body.referral_id is not None:
        _use_referral(session, body.referral_id, patient.patient_id, stay.stay_id)
    emit(session, "hospital_admitted", _admission_row(stay), body_fields=AdmitIn.model_fields)
    session.commit()
    return stay_out(session, stay)


def _stay_to_change(session: Session, who: Principal, stay_id: int, doing: str) -> Stay:
    """The stay, locked for this transaction (a transfer and a discharge at once are serialised), when
    the caller may change it."""
    require_role(who, "hospital", "admin")
    stay = session.get(Stay, stay_id, with_for_update=True)
    if stay is None:
        raise not_found("stay")
    _check_hospital(who, stay.hospital_id, doing)
    return stay


def _after_last_transfer(session: Session, stay: Stay, at: dt.datetime) -> None:
    last = session.scalar(select(func.max(Transfer.transferred_at)).where(Transfer.stay_id == stay.stay_id))
    if last is not None and at < last:
        raise field_error("body", "occurred_at", f"{at} is before the stay's last transfer ({last})")


@router.post(
    "/stays/{stay_id}/transfer",
    response_model=StayOut,
    summary="Transfer a patient to another department",
    responses=refusals(
        {
            403: OTHER_HOSPITAL,
            404: NO_STAY,
            409: "The stay has ended; or a contract rule about other rows broken (isForeignKey: the "
            "admission is older than the 90-day reference window)",
            422: BAD_BODY + " (transferredAfterAdmission); the patient's own department; a time before "
            "the stay's last transfer",
        }
    ),
)
def transfer(stay_id: IdPath, body: TransferIn, session: SessionDep, who: PrincipalDep):
    """Move the patient from the department they lie in to another of the stay's hospital. Writes
    patient_transferred."""
    stay = _stay_to_change(session, who, stay_id, "transfer")
    if stay.discharged_at is not None:
        raise conflict(f"the stay ended on {stay.discharged_at}")
    at = _when(body.occurred_at, moscow_now())
    department = _department(session, body.to_department_id, at.date(), "to_department_id")
    if department.hospital_id != stay.hospital_id:
        raise field_error("body", "to_department_id", f"department of hospital {department.hospital_id}")
    if department.department_id == stay.department_id:
        raise field_error("body", "to_department_id", "the patient is in that department already")
    _after_last_transfer(session, stay, at)
    moved = Transfer(
        stay_id=stay.stay_id,
        from_department_id=stay.department_id,
        to_department_id=department.department_id,
        transferred_at=at,
    )
    stay.department_id = department.department_id
    session.add(moved)
    session.flush()
    row = {
        "occurred_at": at,
        "stay_id": stay.stay_id,
        "from_department_id": moved.from_department_id,
        "to_department_id": moved.to_department_id,
    }
    emit(session, "patient_transferred", row, body_fields=TransferIn.model_fields)
    session.commit()
    return stay_out(session, stay)


@router.post(
    "/stays/{stay_id}/discharge",
    response_model=StayOut,
    summary="Discharge a patient",
    responses=refusals(
        {
            403: OTHER_HOSPITAL,
            404: NO_STAY,
            409: "A contract rule about other rows broken: a second discharge (oneDischargePerStay), an "
            "admission older than the 90-day reference window (isForeignKey)",
            422: BAD_BODY + " (dischargedAfterAdmission); a time before the stay's last transfer",
        }
    ),
)
def discharge(stay_id: IdPath, body: DischargeIn, session: SessionDep, who: PrincipalDep):
    """End the stay: home, to another hospital, or died (which records the patient's death in the
    store). Writes hospital_discharged."""
    stay = _stay_to_change(session, who, stay_id, "discharge")
    at = _when(body.occurred_at, moscow_now())
    row = {
        "occurred_at": at,
        "stay_id": stay.stay_id,
        "discharge_outcome": body.discharge_outcome,
        "primary_icd10": body.primary_icd10,
        "secondary_icd10": body.secondary_icd10,
    }
    if stay.discharged_at is not None:  # the contract's rule answers (oneDischargePerStay)
        check_row(session, "hospital_discharged", row, body_fields=DischargeIn.model_fields)
        raise conflict(f"the stay ended on {stay.discharged_at}")  # the very same discharge, replayed
    _after_last_transfer(session, stay, at)
    if body.discharge_outcome == "died":  # before the outbox lock: no row lock is awaited under it
        patient = session.get(Patient, stay.patient_id)
        patient.death_date = min(patient.death_date or at.date(), at.date())
    event_id = emit(session, "hospital_discharged", row, body_fields=DischargeIn.model_fields)
    # after the row is checked (the stay's row is locked by this transaction already): kept with its
    # event id, so a later discharge's refusal names the one that stands
    stay.discharged_at, stay.discharge_outcome, stay.discharge_event_id = at, body.discharge_outcome, event_id
    stay.discharge_icd10, stay.discharge_secondary_icd10 = body.primary_icd10, body.secondary_icd10
    session.commit()
    return stay_out(session, stay)


@router.get(
    "/stays/{stay_id}",
    response_model=StayOut,
    responses=refusals(
        {
            403: "Staff of another hospital, another patient, registry staff of another polyclinic, a "
            "pharmacist",
            404: NO_STAY,
        }
    ),
)
def get_stay(stay_id: IdPath, session: SessionDep, who: PrincipalDep):
    stay = session.get(Stay, stay_id)
    if stay is None:
        raise not_found("stay")
    _may_read_stay(session, who, stay)
    return stay_out(session, stay)


@router.get(
    "/stays",
    response_model=list[StayOut],
    responses=refusals({403: "Another patient's stays; a pharmacist", 422: "patient_id missing (staff)"}),
)
def list_stays(session: SessionDep, who: PrincipalDep, patient_id: PatientId | None = None):
    """A patient's stays, latest first (a patient sees their own; hospital staff their hospital's)."""
    patient_id = patient_for_reading(who, patient_id, "registry", "doctor", "hospital", "admin")
    q = select(Stay).where(Stay.patient_id == patient_id).order_by(Stay.admitted_at.desc())
    if who.role == "hospital":
        q = q.where(Stay.hospital_id == who.hospital_id)
    elif who.role == "registry":  # the patient's polyclinic now: every stay; another: those it was then
        attached = session.scalar(
            select(Patient.attached_facility_id).where(Patient.patient_id == patient_id)
        )
        if attached != who.facility_id:
            q = q.where(Stay.attached_facility_id == who.facility_id)
    return [stay_out(session, s) for s in session.scalars(q)]


# --- the polyclinic's follow-up --------------------------------------------------------------------------


@router.post(
    "/stays/{stay_id}/follow-up",
    response_model=FollowUpBookedOut,
    status_code=201,
    summary="Book the follow-up visit after a discharge",
    responses=refusals(
        {
            403: "Not registry staff, a doctor or admin; a slot of another facility than the caller's",
            404: NO_STAY,
            409: "The patient is still in hospital or died in it; the slot is taken or has started; or a "
            "contract rule about other rows broken",
            422: "A malformed body, no such slot; or a contract rule about the booking's own values",
        }
    ),
)
def book_follow_up(stay_id: IdPath, body: FollowUpIn, session: SessionDep, who: PrincipalDep):
    """The polyclinic books the patient's follow-up visit after the stay, into a free slot of its own
    (registry staff and doctors of the slot's facility; admin anywhere). Writes appointment_booked and
    follow_up_booked, which links the booking to the stay."""
    require_role(who, "registry", "doctor", "admin")
    stay = session.get(Stay, stay_id)
    if stay is None:
        raise not_found("stay")
    if stay.discharged_at is None:
        raise conflict("the patient is still in hospital")
    if stay.discharge_outcome == "died":
        raise conflict("the patient died in hospital")
    slot = take_slot(session, body.slot_id)
    check_facility(who, slot.facility_id, "book")
    appt = insert_appointment(
        session,
        slot_id=body.slot_id,
        patient_id=stay.patient_id,
        channel=body.channel or DEFAULT_CHANNEL[who.role],
        referral_id=None,
    )
    follow_up = FollowUp(
        stay_id=stay.stay_id, appointment_id=appt["appointment_id"], booked_at=appt["booked_at"]
    )
    session.add(follow_up)
    session.flush()
    emit(session, "appointment_booked", booking_row(appt), body_fields=FollowUpIn.model_fields)
    emit(
        session,
        "follow_up_booked",
        {
            "occurred_at": follow_up.booked_at,
            "stay_id": stay.stay_id,
            "appointment_id": appt["appointment_id"],
        },
    )
    session.commit()
    return FollowUpBookedOut(
        follow_up=FollowUpOut.model_validate(follow_up), appointment=AppointmentOut.model_validate(appt)
    )
