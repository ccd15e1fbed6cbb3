"""Directory: facilities, specialties, doctors, free slots; clinics publish slots."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import select

from services.api.deps import (
    PrincipalDep,
    SessionDep,
    field_error,
    forbidden,
    not_found,
    require_role,
)
from services.api.models import Doctor, Facility, Slot, Specialty
from services.api.outbox import emit, moscow_now
from services.api.schemas import DoctorOut, FacilityOut, Id32Query, IdPath, SlotIn, SlotOut, SpecialtyOut

router = APIRouter(tags=["directory"])

Limit = Annotated[int, Query(ge=1, le=1000)]
Offset = Annotated[int, Query(ge=0)]


@router.get("/facilities", response_model=list[FacilityOut])
def list_facilities(
    session: SessionDep,
    _: PrincipalDep,
    okrug_id: str | None = None,
    kind: str | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
):
    q = select(Facility).order_by(Facility.facility_id).limit(limit).offset(offset)
    if okrug_id is not None:
        q = q.where(Facility.okrug_id == okrug_id)
    if kind is not None:
        q = q.where(Facility.kind == kind)
    return session.scalars(q).all()


@router.get("/facilities/{facility_id}", response_model=FacilityOut)
def get_facility(facility_id: IdPath, session: SessionDep, _: PrincipalDep):
    facility = session.get(Facility, facility_id)
    if facility is None:
        raise not_found("facility")
    return facility


@router.get("/specialties", response_model=list[SpecialtyOut])
def list_specialties(session: SessionDep, _: PrincipalDep):
    return session.scalars(select(Specialty).order_by(Specialty.specialty_id)).all()


@router.get("/doctors", response_model=list[DoctorOut])
def list_doctors(
    session: SessionDep,
    _: PrincipalDep,
    facility_id: Id32Query = None,
    specialty_id: str | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
):
    q = select(Doctor).order_by(Doctor.doctor_id).limit(limit).offset(offset)
    if facility_id is not None:
        q = q.where(Doctor.facility_id == facility_id)
    if specialty_id is not None:
        q = q.where(Doctor.specialty_id == specialty_id)
    return session.scalars(q).all()


@router.get("/slots", response_model=list[SlotOut])
def free_slots(
    session: SessionDep,
    _: PrincipalDep,
    facility_id: Id32Query = None,
    specialty_id: str | None = None,
    doctor_id: Id32Query = None,
    date_from: Annotated[dt.date | None, Query(description="First day (default: now)")] = None,
    date_to: Annotated[dt.date | None, Query(description="Last day, inclusive")] = None,
    limit: Limit = 100,
    offset: Offset = 0,
):
    """Free slots that have not started yet, earliest first."""
    if date_from and date_to and date_to < date_from:
        raise field_error("query", "date_to", "date_to is before date_from")
    start = moscow_now()
    if date_from is not None:
        start = max(start, dt.datetime.combine(date_from, dt.time()))
    q = (
        select(Slot)
        .where(Slot.is_booked.is_(False), Slot.starts_at >= start)
        .order_by(Slot.starts_at, Slot.slot_id)
        .limit(limit)
        .offset(offset)
    )
    if date_to is not None:
        q = q.where(Slot.starts_at < dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time()))
    for column, value in ((Slot.facility_id, facility_id), (Slot.specialty_id, specialty_id)):
        if value is not None:
            q = q.where(column == value)
    if doctor_id is not None:
        q = q.where(Slot.doctor_id == doctor_id)
    return session.scalars(q).all()


@router.post("/slots", response_model=SlotOut, status_code=201)
def publish_slot(body: SlotIn, session: SessionDep, who: PrincipalDep):
    """Publish a doctor's slot (registry staff of the doctor's facility, or admin)."""
    require_role(who, "registry", "admin")
    doctor = session.get(Doctor, body.doctor_id)
    if doctor is None:
        raise field_error("body", "doctor_id", "no such doctor")
    if who.role == "registry" and doctor.facility_id != who.facility_id:
        raise forbidden("registry staff publish slots of their own facility only")
    if body.starts_at <= moscow_now():
        raise field_error("body", "starts_at", "a slot must start in the future")
    now = moscow_now()
    slot = Slot(
        doctor_id=doctor.doctor_id,
        facility_id=doctor.facility_id,
        specialty_id=doctor.specialty_id,
        starts_at=body.starts_at,
        duration_min=body.duration_min,
        is_urgent_reserve=body.is_urgent_reserve,
        is_booked=False,
        published_at=now,
    )
    session.add(slot)
    session.flush()
    emit(
        session,
        "slot_published",
        {
            "occurred_at": now,
            "slot_id": slot.slot_id,
            "doctor_id": slot.doctor_id,
            "facility_id": slot.facility_id,
            "specialty_id": slot.specialty_id,
            "starts_at": slot.starts_at,
            "duration_min": slot.duration_min,
            "is_urgent_reserve": slot.is_urgent_reserve,
        },
        body_fields=SlotIn.model_fields,
    )
    session.commit()
    return slot
