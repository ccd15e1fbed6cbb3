"""Every table of the export contract (DESIGN.md, "The export contract")."""

from __future__ import annotations

from services.contract.schema import (
    LOAD_DATE,
    Column,
    CrossRowRule,
    Lookup,
    NoOverlap,
    OneRowPerKey,
    Table,
)
from services.contract.vocabulary import (
    ADMISSION_SOURCES,
    ADMISSION_TYPES,
    AGE_BANDS,
    BED_PROFILES,
    BENEFIT_CATEGORIES,
    CANCELLED_BY,
    CHANNELS,
    COST_CATEGORIES,
    DIAGNOSIS_KINDS,
    DISCHARGE_OUTCOMES,
    DISPENSARY_ACTIONS,
    FACILITY_KINDS,
    FUNDING_SOURCES,
    HOSPITAL_KINDS,
    INSURANCE_KINDS,
    SEXES,
    VISIT_TYPES,
    WAIT_STANDARD_UNITS,
)

PATIENT_ID = r"^[0-9a-f]{16}$"  # keyed-hash pseudonym: names and documents never leave the services
ICD10 = r"^[A-Z][0-9]{2}(\.[0-9]{1,2})?$"
ATC5 = r"^[A-Z][0-9]{2}[A-Z]{2}[0-9]{2}$"


def _event_columns(description: str) -> tuple[Column, ...]:
    """Columns every transaction starts with."""
    return (
        Column("event_id", "int64", f"Globally unique id of this {description} event", min=1),
        Column("occurred_at", "timestamp", "When it happened (local Moscow time); its date is the partition"),
    )


def _patient(description: str = "Pseudonymous patient id") -> Column:
    return Column("patient_id", "string", description, pattern=PATIENT_ID)


# OHDSI DQD's plausibleBeforeDeath allows records up to 60 days after death ("a conservative estimate of
# the time it takes for administrative records to be updated after a person's death"):
# https://ohdsi.github.io/DataQualityDashboard/articles/checks/plausibleBeforeDeath.html
DEATH_GRACE_DAYS = 60
_PATIENT = Lookup("patient_id", "patients", "patient_id")


def _person_plausibility(event: str) -> tuple[CrossRowRule, ...]:
    """OHDSI DQD's temporal plausibility of an event of a patient: within the patient's life.

    Both quarantine: the warehouse has no other way to keep such a row out of the marts (a diagnosis
    before birth gets a negative age and leaves the incidence mart; a first-time diagnosis after death
    enters a register after its member left it), and a quarantined row keeps its reason and its whole
    content, so a corrected patients snapshot followed by a reload of the day brings it back."""
    return (
        CrossRowRule(
            "plausibleAfterBirth",
            "occurred_at",
            ">=",
            "birth_month",
            f"A {event} is not dated before the first day of the patient's month of birth "
            "(the contract knows the month of birth only: a date in that month is plausible).",
            lookup=_PATIENT,
        ),
        CrossRowRule(
            "plausibleBeforeDeath",
            "occurred_at",
            "<=",
            "death_date",
            f"A {event} is not dated more than {DEATH_GRACE_DAYS} days after the patient's death "
            "(DQD's grace period for records written after a death).",
            lookup=_PATIENT,
            grace_days=DEATH_GRACE_DAYS,
        ),
    )


REFERENCE_TABLES: tuple[Table, ...] = (
    Table(
        "okrugs",
        "reference",
        "The city's administrative okrugs",
        (
            Column("okrug_id", "string", "Short code, e.g. CAO", pattern=r"^[A-Z]{2,6}$"),
            Column("name_en", "string", "English name"),
            Column("name_ru", "string", "Russian name"),
        ),
        primary_key=("okrug_id",),
    ),
    Table(
        "districts",
        "reference",
        "Districts (raions) and settlements, each in one okrug",
        (
            Column("district_id", "int32", "District id", min=1),
            Column("okrug_id", "string", "Okrug the district belongs to"),
            Column("name", "string", "District name"),
        ),
        primary_key=("district_id",),
    ),
    Table(
        "population",
        "reference",
        "Residents by district, sex and 5-year age band at the start of a year: the rate denominators",
        (
            Column("year", "int32", "Calendar year", min=2000, max=2100),
            Column("district_id", "int32", "District", min=1),
            Column("sex", "string", "M or F", allowed=SEXES),
            Column("age_band", "string", "5-year age band (ESP 2013 bands, 90+ last)", allowed=AGE_BANDS),
            Column("population", "int64", "Residents", min=0),
        ),
        primary_key=("year", "district_id", "sex", "age_band"),
    ),
    Table(
        "facilities",
        "reference",
        "Outpatient units: head polyclinics, their branches, and the other kinds",
        (
            Column("facility_id", "int32", "Facility id", min=1),
            Column("name", "string", "Facility name"),
            Column("kind", "string", "Kind of unit", allowed=FACILITY_KINDS),
            Column("parent_facility_id", "int32", "Head polyclinic of a branch", nullable=True, min=1),
            Column("okrug_id", "string", "Okrug"),
            Column("district_id", "int32", "District", min=1),
        ),
        primary_key=("facility_id",),
    ),
    Table(
        "specialties",
        "reference",
        "Doctor specialties with the visit-minute norm and the legal wait standard",
        (
            Column("specialty_id", "string", "Code, e.g. therapist", pattern=r"^[a-z_]+$"),
            Column("name_en", "string", "English name"),
            Column("name_ru", "string", "Russian name"),
            Column("minutes_norm", "int32", "Minutes per visit (orders 290n and 973n)", min=1, max=120),
            Column("wait_standard", "int32", "Legal maximum wait, in wait_standard_unit", min=1),
            Column("wait_standard_unit", "string", "hours or working_days", allowed=WAIT_STANDARD_UNITS),
            Column("is_primary_care", "bool", "District therapist, GP or pediatrician"),
        ),
        primary_key=("specialty_id",),
    ),
    Table(
        "doctors",
        "reference",
        "Doctors' posts, dated: a move to another facility or specialty closes one row and opens another",
        (
            Column("doctor_id", "int32", "Doctor id (stable across moves)", min=1),
            Column("facility_id", "int32", "Facility of the post", min=1),
            Column("specialty_id", "string", "Specialty of the post"),
            Column("rate", "float64", "Working rate (1.0 = full time)", min=0.1, max=2.0),
            Column("valid_from", "date", "First day of the post"),
            Column("valid_to", "date", "Last day of the post; null while it lasts", nullable=True),
        ),
        primary_key=("doctor_id", "valid_from"),
    ),
    Table(
        "patients",
        "reference",
        "Residents known to the system, pseudonymous",
        (
            _patient(),
            Column("sex", "string", "M or F", allowed=SEXES),
            Column("birth_month", "date", "First day of the month of birth"),
            Column("district_id", "int32", "District of residence", min=1),
            Column("attached_facility_id", "int32", "Polyclinic of attachment", nullable=True, min=1),
            Column("insurance", "string", "Insurance held", allowed=INSURANCE_KINDS),
            Column("death_date", "date", "Date of death, if dead", nullable=True),
        ),
        primary_key=("patient_id",),
        cross_row_rules=(
            CrossRowRule(
                "plausibleAfterBirth",
                "death_date",
                ">=",
                "birth_month",
                "Death is not before the first day of the month of birth. Quarantined: one of the two "
                "dates is wrong and the warehouse cannot tell which; every age and register of the "
                "patient would be wrong with it.",
            ),
            CrossRowRule(
                "plausibleValueHigh",
                "birth_month",
                "<=",
                LOAD_DATE,
                "Birth is not in the future (after the day the snapshot is loaded; DQD's plausible high "
                "value of a birth date is today). Quarantined: the person's age would be negative.",
            ),
        ),
    ),
    Table(
        "tariffs",
        "reference",
        "Price of a visit by funding source, visit type and year (roubles)",
        (
            Column("year", "int32", "Calendar year", min=2000, max=2100),
            Column("funding_source", "string", "Who pays", allowed=FUNDING_SOURCES),
            Column("visit_type", "string", "Kind of visit", allowed=VISIT_TYPES),
            Column("tariff_rub", "float64", "Price of one visit", min=0),
        ),
        primary_key=("year", "funding_source", "visit_type"),
    ),
    Table(
        "facility_expenses",
        "reference",
        "Actual expenses of a facility by month and cost category (roubles)",
        (
            Column("facility_id", "int32", "Facility", min=1),
            Column("month", "date", "First day of the month"),
            Column("cost_category", "string", "Cost category", allowed=COST_CATEGORIES),
            Column("amount_rub", "float64", "Amount spent", min=0),
        ),
        primary_key=("facility_id", "month", "cost_category"),
    ),
)

# ------------------------------------------------------------------ the appointment lifecycle (issue 13)
# A slot is published, booked before it starts, then cancelled or ended by one outcome: attended or missed.

_SLOT_OF_BOOKING = Lookup("slot_id", "slot_published", "slot_id")
_BOOKING = Lookup("appointment_id", "appointment_booked", "appointment_id")
_SLOT_OF_APPOINTMENT = Lookup("slot_id", "slot_published", "slot_id", via=_BOOKING)

# How long before its slot's start an outcome may be dated. An attendance is dated when the patient
# arrives (checks in), and patients come early: the simulator's arrive up to 5 minutes early, and an
# hour covers a patient who comes early for a first visit or a test. A no-show is recorded at or after
# the slot's start, so the hour is generous for it; what the rule is for is an outcome dated hours or
# days before its slot (a no-show recorded days ahead turns a week's DNA rate from null to 1.0).
OUTCOME_EARLY_MINUTES = 60


def _outcome_after_slot_start(outcome: str) -> CrossRowRule:
    return CrossRowRule(
        "outcomeAfterSlotStart",
        "occurred_at",
        ">=",
        "starts_at",
        f"A {outcome} is not dated more than {OUTCOME_EARLY_MINUTES} minutes before its slot starts (the "
        "slot is the booking's: two look-ups away). Quarantined: the outcome cannot have happened yet, "
        "and counted it would set the DNA rate and the attendance of a week whose slots lie ahead.",
        lookup=_SLOT_OF_APPOINTMENT,
        compare="timestamp",
        grace_minutes=OUTCOME_EARLY_MINUTES,
    )


BOOKED_BEFORE_SLOT_START = CrossRowRule(
    "bookedBeforeSlotStart",
    "occurred_at",
    "<=",
    "starts_at",
    "A booking is made no later than its slot's start (no grace: NHS Appointments in General Practice "
    "counts the time from booking to appointment from zero up). Quarantined: a booking after the start "
    "gets a negative lead time, is counted as same-day and passes the 24-hour access standard.",
    lookup=_SLOT_OF_BOOKING,
    compare="timestamp",
)


def _cancelled_before(outcome_table: str, outcome: str) -> CrossRowRule:
    return CrossRowRule(
        "cancelledBeforeOutcome",
        "occurred_at",
        "<=",
        "occurred_at",
        f"An appointment is not cancelled after its {outcome} was recorded. Quarantined: the "
        "cancellation would turn a visit that happened into a cancelled one (the outcome wins; the "
        "outcomes load before the cancellations, so the load sees them).",
        lookup=Lookup("appointment_id", outcome_table, "appointment_id"),
        compare="timestamp",
    )


ONE_OUTCOME_PER_APPOINTMENT = OneRowPerKey(
    "oneOutcomePerAppointment",
    "appointment_id",
    ("appointment_attended", "appointment_no_show"),
    "An appointment ends in one outcome: attended or missed, once. A second outcome (an attendance "
    "replayed with a new event id, or an attendance and a no-show) is quarantined and the first stands; "
    "the attendance ranks first among a load's rows because a patient seen is attended whatever else "
    "was marked (NHS Appointments in General Practice counts an appointment attended when the patient "
    "was seen). Quarantined rather than failing the day's build on the appointments' unique test.",
)

NO_OVERLAPPING_SLOTS = NoOverlap(
    "noOverlappingSlots",
    ("doctor_id",),
    "starts_at",
    "duration_min",
    "slot_id",
    "A doctor sees one patient at a time: a doctor's slots do not overlap, midnight or not (a slot "
    "23:50-00:20 overlaps the same doctor's slot at 00:00 of the next day). Quarantined: the later "
    "published slot; capacity and utilisation would count the doctor's time twice.",
)


TRANSACTION_TABLES: tuple[Table, ...] = (
    Table(
        "slot_published",
        "transaction",
        "A doctor's schedule slot made available for booking",
        (
            *_event_columns("slot publication"),
            Column("slot_id", "int64", "Slot id", min=1),
            Column("doctor_id", "int32", "Doctor", min=1),
            Column("facility_id", "int32", "Facility", min=1),
            Column("specialty_id", "string", "Specialty"),
            Column("starts_at", "timestamp", "Start of the slot"),
            Column("duration_min", "int32", "Length of the slot in minutes", min=1, max=240),
            Column("is_urgent_reserve", "bool", "Held back for urgent (same-day) use"),
        ),
        primary_key=("event_id",),
        set_rules=(NO_OVERLAPPING_SLOTS,),
    ),
    Table(
        "appointment_booked",
        "transaction",
        "A patient booked into a slot",
        (
            *_event_columns("booking"),
            Column("appointment_id", "int64", "Appointment id", min=1),
            Column("slot_id", "int64", "Slot booked", min=1, references=("slot_published", "slot_id")),
            _patient(),
            Column("channel", "string", "How the booking was made", allowed=CHANNELS),
            Column("referral_id", "int64", "Referral the booking uses, if any", nullable=True, min=1),
        ),
        primary_key=("event_id",),
        cross_row_rules=(*_person_plausibility("booking"), BOOKED_BEFORE_SLOT_START),
    ),
    Table(
        "appointment_cancelled",
        "transaction",
        "A booking cancelled before its slot",
        (
            *_event_columns("cancellation"),
            Column(
                "appointment_id",
                "int64",
                "Appointment cancelled",
                min=1,
                references=("appointment_booked", "appointment_id"),
            ),
            Column("cancelled_by", "string", "patient or facility", allowed=CANCELLED_BY),
            Column("reason", "string", "Free-text reason code", nullable=True),
        ),
        primary_key=("event_id",),
        cross_row_rules=(
            _cancelled_before("appointment_attended", "attendance"),
            _cancelled_before("appointment_no_show", "no-show"),
        ),
    ),
    Table(
        "appointment_attended",
        "transaction",
        "The patient came to a booked appointment",
        (
            *_event_columns("attendance"),
            Column(
                "appointment_id",
                "int64",
                "Appointment attended",
                min=1,
                references=("appointment_booked", "appointment_id"),
            ),
        ),
        primary_key=("event_id",),
        cross_row_rules=(_outcome_after_slot_start("attendance"),),
        set_rules=(ONE_OUTCOME_PER_APPOINTMENT,),
    ),
    Table(
        "appointment_no_show",
        "transaction",
        "The patient did not come to a booked appointment (DNA)",
        (
            *_event_columns("no-show"),
            Column(
                "appointment_id",
                "int64",
                "Appointment missed",
                min=1,
                references=("appointment_booked", "appointment_id"),
            ),
        ),
        primary_key=("event_id",),
        cross_row_rules=(_outcome_after_slot_start("no-show"),),
        set_rules=(ONE_OUTCOME_PER_APPOINTMENT,),
    ),
    Table(
        "encounter_closed",
        "transaction",
        "An outpatient visit closed by the doctor (booked or walk-in)",
        (
            *_event_columns("encounter"),
            Column("encounter_id", "int64", "Encounter id", min=1),
            Column("appointment_id", "int64", "Appointment, null for a walk-in", nullable=True, min=1),
            _patient(),
            Column("doctor_id", "int32", "Doctor", min=1),
            Column("facility_id", "int32", "Facility", min=1),
            Column("specialty_id", "string", "Specialty"),
            Column("visit_type", "string", "Kind of visit", allowed=VISIT_TYPES),
            Column("funding_source", "string", "Who pays", allowed=FUNDING_SOURCES),
            Column("is_walk_in", "bool", "Came without a booking"),
            Column("minutes", "int32", "Doctor-minutes used", min=1, max=240),
        ),
        primary_key=("event_id",),
        cross_row_rules=_person_plausibility("encounter"),
    ),
    Table(
        "diagnosis_recorded",
        "transaction",
        "A diagnosis written at an encounter",
        (
            *_event_columns("diagnosis"),
            Column("encounter_id", "int64", "Encounter", min=1),
            _patient(),
            Column("icd10_code", "string", "ICD-10 code", pattern=ICD10),
            Column("is_primary", "bool", "The encounter's main diagnosis"),
            Column("diagnosis_kind", "string", "first_time or known", allowed=DIAGNOSIS_KINDS),
            Column(
                "dispensary_action",
                "string",
                "Start or stop of dispensary observation",
                nullable=True,
                allowed=DISPENSARY_ACTIONS,
            ),
        ),
        primary_key=("event_id",),
        cross_row_rules=_person_plausibility("diagnosis"),
    ),
    Table(
        "prescription_issued",
        "transaction",
        "An e-prescription written at an encounter",
        (
            *_event_columns("prescription"),
            Column("prescription_id", "int64", "Prescription id", min=1),
            Column("encounter_id", "int64", "Encounter", min=1),
            _patient(),
            Column("doctor_id", "int32", "Prescriber", min=1),
            Column("atc_code", "string", "Drug, ATC level 5", pattern=ATC5),
            Column("quantity", "int32", "Packs", min=1, max=100),
            Column("days_supply", "int32", "Days of treatment", min=1, max=366),
            Column("benefit_category", "string", "Drug benefit", allowed=BENEFIT_CATEGORIES),
        ),
        primary_key=("event_id",),
        cross_row_rules=_person_plausibility("prescription"),
    ),
    Table(
        "prescription_dispensed",
        "transaction",
        "A pharmacy dispensed an e-prescription",
        (
            *_event_columns("dispensing"),
            Column(
                "prescription_id",
                "int64",
                "Prescription dispensed",
                min=1,
                references=("prescription_issued", "prescription_id"),
            ),
            Column("pharmacy_id", "int32", "Pharmacy", min=1),
            Column("quantity", "int32", "Packs dispensed", min=1, max=100),
        ),
        primary_key=("event_id",),
    ),
    Table(
        "referral_issued",
        "transaction",
        "A referral to another specialty written at an encounter",
        (
            *_event_columns("referral"),
            Column("referral_id", "int64", "Referral id", min=1),
            Column("encounter_id", "int64", "Encounter", min=1),
            _patient(),
            Column("to_specialty_id", "string", "Specialty referred to"),
        ),
        primary_key=("event_id",),
        cross_row_rules=_person_plausibility("referral"),
    ),
)

# ------------------------------------------------------------------ hospitals (issue 14)
# A stay: admitted to a department (planned, by a polyclinic's referral, or emergency), moved between
# departments, discharged once. The polyclinic books a follow-up visit after the discharge.

HOSPITAL_REFERENCE_TABLES: tuple[Table, ...] = (
    Table(
        "hospitals",
        "reference",
        "City hospitals (inpatient care)",
        (
            Column("hospital_id", "int32", "Hospital id", min=1),
            Column("name", "string", "Hospital name"),
            Column("kind", "string", "Multi-profile, specialised or children's", allowed=HOSPITAL_KINDS),
            Column("okrug_id", "string", "Okrug"),
            Column("district_id", "int32", "District", min=1),
        ),
        primary_key=("hospital_id",),
    ),
    Table(
        "hospital_departments",
        "reference",
        "Hospital departments with their bed profile and beds, dated: a change of beds or profile closes "
        "one row and opens another (as doctors' posts do)",
        (
            Column("department_id", "int32", "Department id (stable across changes)", min=1),
            Column("hospital_id", "int32", "Hospital", min=1),
            Column("name", "string", "Department name"),
            Column(
                "bed_profile", "string", "Bed profile (Rosstat's bed-fund profiles)", allowed=BED_PROFILES
            ),
            Column("beds", "int32", "Staffed beds", min=1, max=1000),
            Column("valid_from", "date", "First day of this bed count"),
            Column("valid_to", "date", "Last day of this bed count; null while it lasts", nullable=True),
        ),
        primary_key=("department_id", "valid_from"),
    ),
)

_STAY = Lookup("stay_id", "hospital_admitted", "stay_id")


def _after_admission(event: str) -> CrossRowRule:
    return CrossRowRule(
        f"{event}AfterAdmission",
        "occurred_at",
        ">=",
        "occurred_at",
        f"A stay is {event} no earlier than it was admitted. Quarantined: the stay would get a negative "
        "length and its bed-days would be counted before the patient came.",
        lookup=_STAY,
        compare="timestamp",
    )


REFERRAL_BEFORE_ADMISSION = CrossRowRule(
    "referralBeforeAdmission",
    "occurred_at",
    ">=",
    "occurred_at",
    "A planned admission comes no earlier than the referral that led to it. Quarantined: the time from "
    "referral to admission (the planned-care wait standard) would be negative.",
    lookup=Lookup("referral_id", "referral_issued", "referral_id"),
    compare="timestamp",
)

ONE_ADMISSION_PER_STAY = OneRowPerKey(
    "oneAdmissionPerStay",
    "stay_id",
    ("hospital_admitted",),
    "A stay begins once. A second admission of a stay (replayed with a new event id) is quarantined and "
    "the first stands: counted twice it would double the stay's bed-days.",
)

ONE_DISCHARGE_PER_STAY = OneRowPerKey(
    "oneDischargePerStay",
    "stay_id",
    ("hospital_discharged",),
    "A stay ends once. A second discharge is quarantined and the first stands: the length of stay and "
    "the readmission window start from the first.",
)

HOSPITAL_TRANSACTION_TABLES: tuple[Table, ...] = (
    Table(
        "hospital_admitted",
        "transaction",
        "A patient admitted to a hospital department: the start of a stay",
        (
            *_event_columns("admission"),
            Column("stay_id", "int64", "Stay (hospitalisation) id", min=1),
            _patient(),
            Column("hospital_id", "int32", "Hospital", min=1),
            Column("department_id", "int32", "Department admitted to", min=1),
            Column("admission_type", "string", "Planned or emergency", allowed=ADMISSION_TYPES),
            Column("admission_source", "string", "How the patient came", allowed=ADMISSION_SOURCES),
            Column(
                "referral_id",
                "int64",
                "The polyclinic's referral that led to a planned admission",
                nullable=True,
                min=1,
                references=("referral_issued", "referral_id"),
            ),
            Column("primary_icd10", "string", "Admission diagnosis (ICD-10)", pattern=ICD10),
            Column(
                "attached_facility_id",
                "int32",
                "Polyclinic the patient was attached to when admitted (the population the admission counts "
                "against); null if not attached",
                nullable=True,
                min=1,
            ),
        ),
        primary_key=("event_id",),
        cross_row_rules=(*_person_plausibility("admission"), REFERRAL_BEFORE_ADMISSION),
        set_rules=(ONE_ADMISSION_PER_STAY,),
    ),
    Table(
        "patient_transferred",
        "transaction",
        "A patient moved from one department to another within a stay",
        (
            *_event_columns("transfer"),
            Column("stay_id", "int64", "Stay", min=1, references=("hospital_admitted", "stay_id")),
            Column("from_department_id", "int32", "Department left", min=1),
            Column("to_department_id", "int32", "Department entered", min=1),
        ),
        primary_key=("event_id",),
        cross_row_rules=(_after_admission("transferred"),),
    ),
    Table(
        "hospital_discharged",
        "transaction",
        "The end of a stay: discharged home, to another hospital, or died",
        (
            *_event_columns("discharge"),
            Column("stay_id", "int64", "Stay", min=1, references=("hospital_admitted", "stay_id")),
            Column("discharge_outcome", "string", "How the stay ended", allowed=DISCHARGE_OUTCOMES),
            Column("primary_icd10", "string", "Main discharge diagnosis (ICD-10)", pattern=ICD10),
            Column(
                "secondary_icd10",
                "string",
                "Main comorbidity or complication, if any (the contract carries one secondary diagnosis)",
                nullable=True,
                pattern=ICD10,
            ),
        ),
        primary_key=("event_id",),
        cross_row_rules=(_after_admission("discharged"),),
        set_rules=(ONE_DISCHARGE_PER_STAY,),
    ),
    Table(
        "follow_up_booked",
        "transaction",
        "The polyclinic booked a follow-up visit after a discharge: links a booking to the stay",
        (
            *_event_columns("follow-up booking"),
            Column(
                "stay_id", "int64", "Stay followed up", min=1, references=("hospital_admitted", "stay_id")
            ),
            Column(
                "appointment_id",
                "int64",
                "The booking made for the follow-up",
                min=1,
                references=("appointment_booked", "appointment_id"),
            ),
        ),
        primary_key=("event_id",),
    ),
)

TABLES: dict[str, Table] = {
    t.name: t
    for t in REFERENCE_TABLES + HOSPITAL_REFERENCE_TABLES + TRANSACTION_TABLES + HOSPITAL_TRANSACTION_TABLES
}


def table(name: str) -> Table:
    try:
        return TABLES[name]
    except KeyError:
        raise KeyError(f"{name!r} is not a contract table; known: {', '.join(TABLES)}") from None


def reference_tables() -> list[Table]:
    return [t for t in TABLES.values() if t.kind == "reference"]


def transaction_tables() -> list[Table]:
    return [t for t in TABLES.values() if t.kind == "transaction"]
