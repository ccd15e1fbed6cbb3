"""Small integer codes the generator works with, and the deterministic ids of events and entities.

Strings cost time and memory in bulk, so events carry integer codes into the output step, which turns them
into the contract's strings (`output.py`).
"""

from __future__ import annotations

import numpy as np

from services.contract import (
    ADMISSION_SOURCES,
    ADMISSION_TYPES,
    BENEFIT_CATEGORIES,
    CANCELLED_BY,
    CHANNELS,
    DIAGNOSIS_KINDS,
    DISCHARGE_OUTCOMES,
    DISPENSARY_ACTIONS,
    FUNDING_SOURCES,
    VISIT_TYPES,
)
from services.simulator import calibration as cal

CHANNEL_INDEX = {c: i for i, c in enumerate(CHANNELS)}
FUNDING_INDEX = {c: i for i, c in enumerate(FUNDING_SOURCES)}
VISIT_INDEX = {c: i for i, c in enumerate(VISIT_TYPES)}
CANCEL_REASONS = (
    "patient_request",
    "feeling_better",
    "schedule_conflict",
    "doctor_absent",
    "schedule_change",
)


def _collect_icd() -> tuple[str, ...]:
    codes: list[str] = []
    groups = [cal.RESPIRATORY_CODES, cal.URGENT_CODES, cal.PREVENTIVE_CODES, cal.SCREENING_CODES]
    groups += list(cal.OTHER_CODES.values()) + [r.codes for r in cal.REGISTERS]
    for g in groups:
        for c, _ in g:
            if c not in codes:
                codes.append(c)
    return tuple(codes)


def _collect_atc() -> tuple[str, ...]:
    codes: list[str] = []
    for g in [cal.ACUTE_DRUGS_RESPIRATORY, cal.ACUTE_DRUGS_OTHER] + [r.drugs for r in cal.REGISTERS]:
        for c, _ in g:
            if c not in codes:
                codes.append(c)
    return tuple(codes)


def _collect_hospital_icd() -> tuple[str, ...]:
    codes: list[str] = []
    groups = [p.emergency_codes + p.planned_codes for p in cal.BED_PROFILE_STAYS]
    groups += [a.codes for a in cal.ACSC_STREAMS] + [cal.SECONDARY_CODES]
    for g in groups:
        for c, _ in g:
            if c not in codes:
                codes.append(c)
    return tuple(codes)


ICD_CODES = _collect_icd()
HOSPITAL_ICD_CODES = _collect_hospital_icd()  # the codes of admission and discharge diagnoses
HOSPITAL_ICD_INDEX = {c: i for i, c in enumerate(HOSPITAL_ICD_CODES)}
ICD_INDEX = {c: i for i, c in enumerate(ICD_CODES)}
ATC_CODES = _collect_atc()
DRUG_INDEX = {c: i for i, c in enumerate(ATC_CODES)}

# Vocabularies of the coded columns, by column name (the output step maps codes to these strings).
VOCABULARIES: dict[str, tuple[str, ...]] = {
    "specialty_id": cal.SPECIALTY_IDS,
    "to_specialty_id": cal.SPECIALTY_IDS,
    "channel": CHANNELS,
    "cancelled_by": CANCELLED_BY,
    "reason": CANCEL_REASONS,
    "visit_type": VISIT_TYPES,
    "funding_source": FUNDING_SOURCES,
    "icd10_code": ICD_CODES,
    "diagnosis_kind": DIAGNOSIS_KINDS,
    "dispensary_action": DISPENSARY_ACTIONS,
    "atc_code": ATC_CODES,
    "benefit_category": BENEFIT_CATEGORIES,
    "admission_type": ADMISSION_TYPES,
    "admission_source": ADMISSION_SOURCES,
    "discharge_outcome": DISCHARGE_OUTCOMES,
    "primary_icd10": HOSPITAL_ICD_CODES,
    "secondary_icd10": HOSPITAL_ICD_CODES,
}

# Each kind of id gets its own code, so ids never collide across tables and kinds.
ID_CODES = {
    name: i + 1
    for i, name in enumerate(
        (
            "slot_published", "appointment_booked", "appointment_cancelled", "appointment_attended",
            "appointment_no_show", "encounter_closed", "diagnosis_recorded", "prescription_issued",
            "prescription_dispensed", "referral_issued", "slot", "appointment", "encounter", "prescription",
            "referral", "hospital_admitted", "patient_transferred", "hospital_discharged", "follow_up_booked",
            "stay", "hospital_referral",
        )
    )
}  # fmt: skip


def make_ids(day_ordinal: int, kind: str, n: int) -> np.ndarray:
    """Ids of the n events (or entities) of one kind made by the generation of one service day.

    (day ordinal << 37) | (kind << 32) | sequence: positive, unique, and the same whichever run makes them.
    """
    base = (int(day_ordinal) << 37) | (ID_CODES[kind] << 32)
    return base + np.arange(n, dtype=np.int64)
