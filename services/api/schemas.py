"""Request and response bodies. Request bodies refuse unknown fields, so a typo is a 422 naming it."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import Path, Query
from pydantic import BaseModel, ConfigDict, Field, field_validator

from services.contract import (
    ADMISSION_SOURCES,
    ADMISSION_TYPES,
    BED_PROFILES,
    BENEFIT_CATEGORIES,
    CHANNELS,
    DIAGNOSIS_KINDS,
    DISCHARGE_OUTCOMES,
    DISPENSARY_ACTIONS,
    FUNDING_SOURCES,
    INSURANCE_KINDS,
    SEXES,
    VISIT_TYPES,
)
from services.contract.tables import ATC5, ICD10, PATIENT_ID

PatientId = Annotated[str, Field(pattern=PATIENT_ID, examples=["0123456789abcdef"])]
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]
Id32 = Annotated[int, Field(ge=1, le=2**31 - 1)]
# Path and query ids, bounded so that no store is handed a number it cannot hold (a 422, not a 500).
IdPath = Annotated[int, Path(ge=1, le=2**63 - 1)]
Id32Query = Annotated[int | None, Query(ge=1, le=2**31 - 1)]
SpecialtyId = Annotated[str, Field(pattern=r"^[a-z_]+$", max_length=60)]

Channel = Literal[CHANNELS]
VisitType = Literal[VISIT_TYPES]
FundingSource = Literal[FUNDING_SOURCES]
DiagnosisKind = Literal[DIAGNOSIS_KINDS]
DispensaryAction = Literal[DISPENSARY_ACTIONS]
BenefitCategory = Literal[BENEFIT_CATEGORIES]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


# --- directory -------------------------------------------------------------------------------------------


class FacilityOut(Out):
    facility_id: int
    name: str
    kind: str
    parent_facility_id: int | None
    okrug_id: str
    district_id: int


class SpecialtyOut(Out):
    specialty_id: str
    name_en: str
    name_ru: str
    minutes_norm: int
    wait_standard: int
    wait_standard_unit: str
    is_primary_care: bool


class DoctorOut(Out):
    doctor_id: int
    facility_id: int
    specialty_id: str
    rate: float


class SlotIn(Body):
    doctor_id: Id32
    starts_at: dt.datetime = Field(description="Local Moscow time, without a zone")
    duration_min: int = Field(ge=1, le=240)
    is_urgent_reserve: bool = False

    @field_validator("starts_at")
    @classmethod
    def _naive(cls, v: dt.datetime) -> dt.datetime:
        if v.tzinfo is not None:
            raise ValueError("give local Moscow time without a zone")
        return v


class SlotOut(Out):
    slot_id: int
    doctor_id: int
    facility_id: int
    specialty_id: str
    starts_at: dt.datetime
    duration_min: int
    is_urgent_reserve: bool
    is_booked: bool


# --- patients and booking --------------------------------------------------------------------------------


class PatientIn(Body):
    oms_policy: str = Field(pattern=r"^[0-9]{16}$", description="OMS policy number (stays in this store)")
    full_name: str = Field(min_length=1, max_length=300)
    sex: Literal[SEXES]
    birth_month: dt.date
    district_id: Id32
    attached_facility_id: Id32 | None = None
    insurance: Literal[INSURANCE_KINDS] = "OMS"

    @field_validator("birth_month")
    @classmethod
    def _first_of_month(cls, v: dt.date) -> dt.date:
        return v.replace(day=1)


class PatientOut(Out):
    patient_id: str
    sex: str
    birth_month: dt.date
    district_id: int
    attached_facility_id: int | None
    insurance: str


class BookingIn(Body):
    slot_id: Id
    patient_id: PatientId | None = Field(default=None, description="Required unless a patient books for self")
    channel: Channel | None = Field(default=None, description="Defaults by role: portal, registry_desk...")
    referral_id: Id | None = None


class CancelIn(Body):
    reason: str | None = Field(default=None, max_length=100)


class RescheduleIn(Body):
    slot_id: Id


class AttendanceIn(Body):
    attended: bool


class AppointmentOut(Out):
    appointment_id: int
    slot_id: int
    patient_id: str
    channel: str
    referral_id: int | None
    status: str
    booked_at: dt.datetime


# --- records ---------------------------------------------------------------------------------------------


class EncounterIn(Body):
    patient_id: PatientId
    appointment_id: Id | None = Field(default=None, description="Null for a walk-in")
    facility_id: Id32 | None = Field(default=None, description="Where the visit happens; the doctor's own")
    visit_type: VisitType = "disease"
    funding_source: FundingSource = "OMS"


class DiagnosisIn(Body):
    icd10_code: str = Field(pattern=ICD10, examples=["J06.9"])
    is_primary: bool = False
    diagnosis_kind: DiagnosisKind = "first_time"
    dispensary_action: DispensaryAction | None = None


class CloseIn(Body):
    diagnoses: list[DiagnosisIn] = Field(min_length=1, max_length=20)
    minutes: int | None = Field(default=None, ge=1, le=240, description="Defaults to the specialty's norm")

    @field_validator("diagnoses")
    @classmethod
    def _one_primary(cls, v: list[DiagnosisIn]) -> list[DiagnosisIn]:
        if sum(d.is_primary for d in v) != 1:
            raise ValueError("exactly one diagnosis must be primary")
        return v


class DiagnosisOut(Out):
    diagnosis_id: int
    icd10_code: str
    is_primary: bool
    diagnosis_kind: str
    dispensary_action: str | None
    recorded_at: dt.datetime


class EncounterOut(Out):
    encounter_id: int
    appointment_id: int | None
    patient_id: str
    doctor_id: int
    facility_id: int
    specialty_id: str
    visit_type: str
    funding_source: str
    is_walk_in: bool
    opened_at: dt.datetime
    closed_at: dt.datetime | None
    minutes: int | None
    diagnoses: list[DiagnosisOut] = []


# --- prescriptions and referrals -------------------------------------------------------------------------


class PrescriptionIn(Body):
    encounter_id: Id
    atc_code: str = Field(pattern=ATC5, examples=["C09AA05"])
    quantity: int = Field(ge=1, le=100)
    days_supply: int = Field(ge=1, le=366)
    benefit_category: BenefitCategory = "none"


class DispenseIn(Body):
    quantity: int | None = Field(default=None, ge=1, le=100, description="Defaults to the prescribed packs")


class PrescriptionOut(Out):
    prescription_id: int
    encounter_id: int
    patient_id: str
    doctor_id: int
    atc_code: str
    quantity: int
    days_supply: int
    benefit_category: str
    issued_at: dt.datetime
    dispensed_at: dt.datetime | None
    pharmacy_id: int | None
    dispensed_quantity: int | None


class ReferralIn(Body):
    encounter_id: Id
    to_specialty_id: SpecialtyId


class ReferralOut(Out):
    referral_id: int
    encounter_id: int
    patient_id: str
    to_specialty_id: str
    issued_at: dt.datetime
    used_by_appointment_id: int | None
    admitted_stay_id: int | None = Field(description="The stay a planned admission by this referral began")


class CardOut(BaseModel):
    """A patient's outpatient card: bookings, visits with diagnoses, prescriptions and referrals."""

    patient: PatientOut
    appointments: list[AppointmentOut]
    encounters: list[EncounterOut]
    prescriptions: list[PrescriptionOut]
    referrals: list[ReferralOut]


# --- hospitals (issue 14) --------------------------------------------------------------------------------

Icd10 = Annotated[str, Field(pattern=ICD10, examples=["I21.0"])]


def _local_time(v: dt.datetime | None) -> dt.datetime | None:
    if v is not None and v.tzinfo is not None:
        raise ValueError("give local Moscow time without a zone")
    return v


OCCURRED_AT = Field(
    default=None,
    description="When it happened, local Moscow time without a zone (recorded after the fact); "
    "defaults to now, never after now",
)


class HospitalOut(Out):
    hospital_id: int
    name: str
    kind: str
    okrug_id: str
    district_id: int


class DepartmentOut(Out):
    department_id: int
    hospital_id: int
    name: str
    bed_profile: str
    beds: int = Field(description="Staffed beds from valid_from to valid_to")
    valid_from: dt.date
    valid_to: dt.date | None


class ProfileBedsOut(BaseModel):
    bed_profile: Literal[BED_PROFILES]
    beds: int = Field(description="Staffed beds of the profile's department rows valid today")
    occupied: int = Field(description="Patients in hospital now whose department has the profile")
    available: int = Field(description="beds - occupied (negative when the profile is over capacity)")


class BedsOut(BaseModel):
    hospital_id: int
    as_of: dt.datetime = Field(description="The service's clock, local Moscow time")
    profiles: list[ProfileBedsOut]


class AdmitIn(Body):
    patient_id: PatientId
    department_id: Id32 = Field(description="Department admitted to (its hospital is the stay's)")
    admission_type: Literal[ADMISSION_TYPES]
    admission_source: Literal[ADMISSION_SOURCES] | None = Field(
        default=None,
        description="planned: referral (the default; the only one). emergency: ambulance (the default), "
        "self_referral or hospital_transfer",
    )
    referral_id: Id | None = Field(
        default=None, description="The polyclinic's referral: required for a planned admission, none else"
    )
    primary_icd10: Icd10 = Field(description="Admission diagnosis (ICD-10)")
    occurred_at: dt.datetime | None = OCCURRED_AT

    _naive = field_validator("occurred_at")(_local_time)


class TransferIn(Body):
    to_department_id: Id32 = Field(description="A department of the stay's hospital")
    occurred_at: dt.datetime | None = OCCURRED_AT

    _naive = field_validator("occurred_at")(_local_time)


class DischargeIn(Body):
    discharge_outcome: Literal[DISCHARGE_OUTCOMES]
    primary_icd10: Icd10 = Field(description="Main discharge diagnosis")
    secondary_icd10: Icd10 | None = Field(default=None, description="Main comorbidity or complication")
    occurred_at: dt.datetime | None = OCCURRED_AT

    _naive = field_validator("occurred_at")(_local_time)


class FollowUpIn(Body):
    slot_id: Id
    channel: Channel | None = Field(default=None, description="Defaults by role: registry_desk...")


class TransferOut(Out):
    transfer_id: int
    from_department_id: int
    to_department_id: int
    transferred_at: dt.datetime


class FollowUpOut(Out):
    follow_up_id: int
    stay_id: int
    appointment_id: int
    booked_at: dt.datetime


class StayOut(Out):
    """A stay: its admission, where the patient lies now, its transfers, its discharge (null while the
    patient is in) and the follow-up visits booked after it. Times are local Moscow time."""

    stay_id: int
    patient_id: str
    hospital_id: int
    admitted_department_id: int
    department_id: int = Field(description="The department now (or at discharge)")
    admission_type: str
    admission_source: str
    referral_id: int | None
    primary_icd10: str
    attached_facility_id: int | None = Field(description="The patient's polyclinic when admitted")
    admitted_at: dt.datetime
    discharged_at: dt.datetime | None
    discharge_outcome: str | None
    discharge_icd10: str | None
    discharge_secondary_icd10: str | None
    transfers: list[TransferOut] = []
    follow_ups: list[FollowUpOut] = []


class FollowUpBookedOut(BaseModel):
    follow_up: FollowUpOut
    appointment: AppointmentOut


class RuleViolationOut(BaseModel):
    loc: list[str | int]
    msg: str
    type: str = Field(description="The contract rule's name (e.g. oneDischargePerStay), or pydantic's type")


class RefusalOut(BaseModel):
    """A refusal: a sentence, or (a contract rule broken) FastAPI's validation-error list."""

    detail: str | list[RuleViolationOut]
