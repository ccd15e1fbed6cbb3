"""The service's own store: SQLAlchemy 2 models of the operational tables (schema changes go via alembic).

Ids the service mints (slots it publishes, appointments, encounters, prescriptions...) start above 2**62,
so they never collide with the simulator's ids, which stay below it; rows seeded from a simulated city keep
the simulator's ids. On PostgreSQL the start is an identity option; on SQLite the migration seeds
`sqlite_sequence` (the tables use AUTOINCREMENT so an id is never reused).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Identity,
    Index,
    Integer,
    String,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Bit 62: every id and event id minted by the API has it set; the simulator's ids never do.
API_ID_BASE = 1 << 62

# SQLite only autoincrements an INTEGER PRIMARY KEY (a rowid alias), never a BIGINT one.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    pass


def _minted_id() -> Mapped[int]:
    return mapped_column(BigId, Identity(start=API_ID_BASE + 1), primary_key=True)


class Facility(Base):
    __tablename__ = "facilities"
    facility_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(40))
    parent_facility_id: Mapped[int | None] = mapped_column(Integer)
    okrug_id: Mapped[str] = mapped_column(String(10))
    district_id: Mapped[int] = mapped_column(Integer)


class Specialty(Base):
    __tablename__ = "specialties"
    specialty_id: Mapped[str] = mapped_column(String(60), primary_key=True)
    name_en: Mapped[str] = mapped_column(String(200))
    name_ru: Mapped[str] = mapped_column(String(200))
    minutes_norm: Mapped[int] = mapped_column(Integer)
    wait_standard: Mapped[int] = mapped_column(Integer)
    wait_standard_unit: Mapped[str] = mapped_column(String(20))
    is_primary_care: Mapped[bool] = mapped_column(Boolean)


class Doctor(Base):
    """A doctor's current post (the store keeps only the post that lasts; history lives in the warehouse)."""

    __tablename__ = "doctors"
    doctor_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    facility_id: Mapped[int] = mapped_column(ForeignKey("facilities.facility_id"), index=True)
    specialty_id: Mapped[str] = mapped_column(ForeignKey("specialties.specialty_id"))
    rate: Mapped[float] = mapped_column(Float, default=1.0)


class Patient(Base):
    """A patient. `patient_id` is the contract pseudonym; name and policy number stay in this store only."""

    __tablename__ = "patients"
    patient_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    oms_policy: Mapped[str | None] = mapped_column(String(32), unique=True)
    full_name: Mapped[str | None] = mapped_column(String(300))
    sex: Mapped[str] = mapped_column(String(1))
    birth_month: Mapped[dt.date] = mapped_column(Date)
    district_id: Mapped[int] = mapped_column(Integer)
    attached_facility_id: Mapped[int | None] = mapped_column(Integer)
    insurance: Mapped[str] = mapped_column(String(10))
    death_date: Mapped[dt.date | None] = mapped_column(Date)


class Slot(Base):
    """A schedule slot. The booking race is decided by the database: a conditional
    `UPDATE slots SET is_booked = true WHERE slot_id = ? AND NOT is_booked` succeeds for exactly one
    transaction (the others wait for its row lock, then match nothing), backed by a unique index on the
    active appointment of a slot."""

    __tablename__ = "slots"
    __table_args__ = (
        Index("ix_slots_facility_start", "facility_id", "starts_at"),
        Index("ix_slots_specialty_start", "specialty_id", "starts_at"),
        Index("ix_slots_doctor_start", "doctor_id", "starts_at"),
        {"sqlite_autoincrement": True},
    )
    slot_id: Mapped[int] = _minted_id()
    doctor_id: Mapped[int] = mapped_column(ForeignKey("doctors.doctor_id"))
    facility_id: Mapped[int] = mapped_column(ForeignKey("facilities.facility_id"))
    specialty_id: Mapped[str] = mapped_column(ForeignKey("specialties.specialty_id"))
    starts_at: Mapped[dt.datetime] = mapped_column(DateTime)
    duration_min: Mapped[int] = mapped_column(Integer)
    is_urgent_reserve: Mapped[bool] = mapped_column(Boolean, default=False)
    is_booked: Mapped[bool] = mapped_column(Boolean, default=False)
    # the contract's slot_published.occurred_at (for slots stored before it was kept: when it began to be)
    published_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class Appointment(Base):
    __tablename__ = "appointments"
    __table_args__ = (
        Index(
            "ux_appointments_active_slot",
            "slot_id",
            unique=True,
            sqlite_where=text("status <> 'cancelled'"),
            postgresql_where=text("status <> 'cancelled'"),
        ),
        {"sqlite_autoincrement": True},
    )
    appointment_id: Mapped[int] = _minted_id()
    slot_id: Mapped[int] = mapped_column(ForeignKey("slots.slot_id"))
    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.patient_id"), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    referral_id: Mapped[int | None] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(12))  # booked, cancelled, attended, no_show
    booked_at: Mapped[dt.datetime] = mapped_column(DateTime)
    changed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class Encounter(Base):
    __tablename__ = "encounters"
    __table_args__ = {"sqlite_autoincrement": True}
    encounter_id: Mapped[int] = _minted_id()
    appointment_id: Mapped[int | None] = mapped_column(BigInteger)
    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.patient_id"), index=True)
    doctor_id: Mapped[int] = mapped_column(ForeignKey("doctors.doctor_id"))
    facility_id: Mapped[int] = mapped_column(ForeignKey("facilities.facility_id"))
    specialty_id: Mapped[str] = mapped_column(String(60))
    visit_type: Mapped[str] = mapped_column(String(20))
    funding_source: Mapped[str] = mapped_column(String(10))
    is_walk_in: Mapped[bool] = mapped_column(Boolean)
    opened_at: Mapped[dt.datetime] = mapped_column(DateTime)
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    minutes: Mapped[int | None] = mapped_column(Integer)


class Diagnosis(Base):
    __tablename__ = "diagnoses"
    __table_args__ = {"sqlite_autoincrement": True}
    diagnosis_id: Mapped[int] = _minted_id()
    encounter_id: Mapped[int] = mapped_column(ForeignKey("encounters.encounter_id"), index=True)
    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.patient_id"), index=True)
    icd10_code: Mapped[str] = mapped_column(String(8))
    is_primary: Mapped[bool] = mapped_column(Boolean)
    diagnosis_kind: Mapped[str] = mapped_column(String(12))
    dispensary_action: Mapped[str | None] = mapped_column(String(8))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime)


class Prescription(Base):
    __tablename__ = "prescriptions"
    __table_args__ = {"sqlite_autoincrement": True}
    prescription_id: Mapped[int] = _minted_id()
    encounter_id: Mapped[int] = mapped_column(ForeignKey("encounters.encounter_id"))
    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.patient_id"), index=True)
    doctor_id: Mapped[int] = mapped_column(ForeignKey("doctors.doctor_id"))
    atc_code: Mapped[str] = mapped_column(String(7))
    quantity: Mapped[int] = mapped_column(Integer)
    days_supply: Mapped[int] = mapped_column(Integer)
    benefit_category: Mapped[str] = mapped_column(String(20))
    issued_at: Mapped[dt.datetime] = mapped_column(DateTime)
    dispensed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    pharmacy_id: Mapped[int | None] = mapped_column(Integer)
    dispensed_quantity: Mapped[int | None] = mapped_column(Integer)


class Referral(Base):
    __tablename__ = "referrals"
    __table_args__ = {"sqlite_autoincrement": True}
    referral_id: Mapped[int] = _minted_id()
    encounter_id: Mapped[int] = mapped_column(ForeignKey("encounters.encounter_id"))
    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.patient_id"), index=True)
    to_specialty_id: Mapped[str] = mapped_column(ForeignKey("specialties.specialty_id"))
    issued_at: Mapped[dt.datetime] = mapped_column(DateTime)
    used_by_appointment_id: Mapped[int | None] = mapped_column(BigInteger)
    # the stay a planned admission by this referral began (a referral is used once: a booking or a stay)
    admitted_stay_id: Mapped[int | None] = mapped_column(BigInteger)


# --- hospitals (issue 14) ----------------------------------------------------------------------------------


class Hospital(Base):
    __tablename__ = "hospitals"
    hospital_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(40))
    okrug_id: Mapped[str] = mapped_column(String(10))
    district_id: Mapped[int] = mapped_column(Integer)


class HospitalDepartment(Base):
    """A department's dated row (the contract's hospital_departments): its profile and staffed beds from
    `valid_from` to `valid_to` (inclusive; null while it lasts). Every row is kept: the beds on a day are
    those of the rows valid that day."""

    __tablename__ = "hospital_departments"
    department_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    valid_from: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    valid_to: Mapped[dt.date | None] = mapped_column(Date)
    hospital_id: Mapped[int] = mapped_column(ForeignKey("hospitals.hospital_id"), index=True)
    name: Mapped[str] = mapped_column(String(300))
    bed_profile: Mapped[str] = mapped_column(String(40))
    beds: Mapped[int] = mapped_column(Integer)


class Stay(Base):
    """A hospital stay (hospitalisation): admitted once, moved between departments, discharged once.
    `department_id` is where the patient lies now; `admitted_department_id` where the stay began (the
    contract's hospital_admitted.department_id). The discharge columns are null while the patient is in."""

    __tablename__ = "stays"
    __table_args__ = (
        Index("ix_stays_hospital_in", "hospital_id", "discharged_at"),
        {"sqlite_autoincrement": True},
    )
    stay_id: Mapped[int] = _minted_id()
    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.patient_id"), index=True)
    hospital_id: Mapped[int] = mapped_column(ForeignKey("hospitals.hospital_id"))
    admitted_department_id: Mapped[int] = mapped_column(Integer)
    department_id: Mapped[int] = mapped_column(Integer)
    admission_type: Mapped[str] = mapped_column(String(12))
    admission_source: Mapped[str] = mapped_column(String(20))
    referral_id: Mapped[int | None] = mapped_column(BigInteger)
    primary_icd10: Mapped[str] = mapped_column(String(8))
    attached_facility_id: Mapped[int | None] = mapped_column(Integer)
    admitted_at: Mapped[dt.datetime] = mapped_column(DateTime)
    discharged_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    discharge_outcome: Mapped[str | None] = mapped_column(String(20))
    discharge_icd10: Mapped[str | None] = mapped_column(String(8))
    discharge_secondary_icd10: Mapped[str | None] = mapped_column(String(8))
    # the hospital_discharged row's event id: a second discharge's refusal names the one that stands
    discharge_event_id: Mapped[int | None] = mapped_column(BigInteger)


class Transfer(Base):
    __tablename__ = "stay_transfers"
    __table_args__ = {"sqlite_autoincrement": True}
    transfer_id: Mapped[int] = _minted_id()
    stay_id: Mapped[int] = mapped_column(ForeignKey("stays.stay_id"), index=True)
    from_department_id: Mapped[int] = mapped_column(Integer)
    to_department_id: Mapped[int] = mapped_column(Integer)
    transferred_at: Mapped[dt.datetime] = mapped_column(DateTime)


class FollowUp(Base):
    """A follow-up visit a polyclinic booked after a discharge: the booking linked to the stay."""

    __tablename__ = "stay_follow_ups"
    __table_args__ = {"sqlite_autoincrement": True}
    follow_up_id: Mapped[int] = _minted_id()
    stay_id: Mapped[int] = mapped_column(ForeignKey("stays.stay_id"), index=True)
    appointment_id: Mapped[int] = mapped_column(ForeignKey("appointments.appointment_id"))
    booked_at: Mapped[dt.datetime] = mapped_column(DateTime)


class ApiToken(Base):
    """A bearer token, stored as its SHA-256 (tokens are 256-bit random, so a slow hash adds nothing)."""

    __tablename__ = "api_tokens"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    role: Mapped[str] = mapped_column(String(12))
    patient_id: Mapped[str | None] = mapped_column(String(16))
    facility_id: Mapped[int | None] = mapped_column(Integer)
    doctor_id: Mapped[int | None] = mapped_column(Integer)
    pharmacy_id: Mapped[int | None] = mapped_column(Integer)
    hospital_id: Mapped[int | None] = mapped_column(Integer)
    label: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class OutboxEntry(Base):
    """One export-contract row per state change, written in the transaction of the change."""

    __tablename__ = "outbox"
    __table_args__ = {"sqlite_autoincrement": True}
    seq: Mapped[int] = mapped_column(BigId, Identity(start=1), primary_key=True)
    table_name: Mapped[str] = mapped_column(String(40))
    payload: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
