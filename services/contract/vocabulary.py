"""Closed vocabularies of the export contract: the only values an enumerated column may take."""

SEXES = ("M", "F")

# 5-year age bands as in the European Standard Population 2013: 0-4 ... 85-89, 90+.
AGE_BANDS = tuple(f"{lo}-{lo + 4}" for lo in range(0, 90, 5)) + ("90+",)

FACILITY_KINDS = (
    "adult_polyclinic",  # head building of an adult polyclinic
    "children_polyclinic",
    "branch",  # a branch of a head polyclinic (parent_facility_id is set)
    "womens_consultation",
    "dental_clinic",
    "diagnostic_centre",
)

WAIT_STANDARD_UNITS = ("hours", "working_days")

INSURANCE_KINDS = ("OMS", "OMS+DMS", "none")

# How a booking was made. The first four are remote (not at a desk in the clinic).
CHANNELS = ("portal", "mobile_app", "call_centre", "kiosk", "registry_desk", "doctor_referral")
REMOTE_CHANNELS = ("portal", "mobile_app", "call_centre", "kiosk")

CANCELLED_BY = ("patient", "facility")

VISIT_TYPES = ("disease", "preventive", "dispensary", "urgent", "screening")

FUNDING_SOURCES = ("OMS", "budget", "DMS", "paid")

DIAGNOSIS_KINDS = ("first_time", "known")

DISPENSARY_ACTIONS = ("start", "stop")

BENEFIT_CATEGORIES = ("none", "federal", "regional", "high_cost_nosology")

COST_CATEGORIES = ("payroll", "payroll_taxes", "drugs_consumables", "utilities", "equipment", "other")

# ------------------------------------------------------------------ hospitals (issue 14)
HOSPITAL_KINDS = ("multi_profile", "specialised", "children")

# Bed profiles: the largest of Rosstat's bed-fund profiles (CALIBRATION.md, "Hospitals"), those a city
# hospital network runs. Psychiatric and TB beds are a separate network and not modelled.
BED_PROFILES = (
    "therapeutic",
    "surgical",
    "cardiology",
    "neurology",
    "infectious",
    "maternity",
    "gynaecological",
    "oncology",
    "paediatric",
)

ADMISSION_TYPES = ("planned", "emergency")

# How the patient came: a polyclinic's referral (planned), the ambulance, on their own, or transferred
# from another hospital (AHRQ's PQIs and CMS's readmission measure both set transfers-in apart).
ADMISSION_SOURCES = ("referral", "ambulance", "self_referral", "hospital_transfer")

DISCHARGE_OUTCOMES = ("home", "other_hospital", "died")
