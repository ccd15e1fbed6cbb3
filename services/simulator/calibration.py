# ruff: noqa: E501  (calibration tables keep one entry per line, wider than code)
"""The calibrated facts the synthetic city is built from, as data.

Numbers come from `shared/domain/CALIBRATION.md`; those marked EST there (or here) are estimates. Other parts
of the platform import the targets from here (e.g. `REGISTERS` with the prevalence each register should show)
to compare warehouse results against what the simulator was told to produce.
"""

from __future__ import annotations

from dataclasses import dataclass

# ---------------------------------------------------------------------------------------------------------
# The city at scale 1.0
RESIDENTS = 13_000_000
DOCTORS = 23_600
BOOKINGS_PER_WEEK = 1_600_000

# (okrug_id, name_en, name_ru, population, number of districts or settlements)
OKRUGS: tuple[tuple[str, str, str, int, int], ...] = (
    ("CAO", "Tsentralny", "Центральный", 772_000, 10),
    ("SAO", "Severny", "Северный", 1_180_000, 16),
    ("SVAO", "Severo-Vostochny", "Северо-Восточный", 1_430_000, 17),
    ("VAO", "Vostochny", "Восточный", 1_450_000, 16),
    ("YUVAO", "Yugo-Vostochny", "Юго-Восточный", 1_490_000, 12),
    ("YUAO", "Yuzhny", "Южный", 1_790_000, 16),
    ("YUZAO", "Yugo-Zapadny", "Юго-Западный", 1_360_000, 12),
    ("ZAO", "Zapadny", "Западный", 1_400_000, 13),
    ("SZAO", "Severo-Zapadny", "Северо-Западный", 1_000_000, 8),
    ("ZELAO", "Zelenogradsky", "Зеленоградский", 250_000, 5),
    ("NAO", "Novomoskovsky", "Новомосковский", 280_000, 11),  # settlements
    ("TAO", "Troitsky", "Троицкий", 150_000, 10),  # settlements
)

# Units of each kind at scale 1.0 (~660 in all). Every okrug keeps at least one adult and one children's
# head polyclinic at any scale; every other kind keeps at least one unit in the city.
FACILITY_COUNTS = {
    "adult_polyclinic": 105,
    "adult_branch": 320,
    "children_polyclinic": 55,
    "children_branch": 120,
    "womens_consultation": 32,
    "dental_clinic": 22,
    "diagnostic_centre": 6,
}

# Age pyramid (share of residents by 5-year band, both sexes) and the male share by band. EST, Moscow-like.
BAND_WEIGHTS = (5.5, 6.0, 5.5, 4.5, 4.5, 6.0, 8.5, 9.0, 8.0, 7.0, 6.0, 6.0, 6.5, 6.0, 4.5, 2.5, 2.0, 1.2, 0.5)
MALE_SHARE = (0.51, 0.51, 0.51, 0.51, 0.5, 0.5, 0.49, 0.49, 0.48, 0.47, 0.46, 0.45, 0.43, 0.41, 0.38,
              0.35, 0.31, 0.27, 0.22)  # fmt: skip

ADULT_AGE = 18
UNATTACHED_SHARE = 0.015  # residents without a polyclinic of attachment (and without OMS)
DMS_SHARE = 0.12  # residents holding voluntary insurance on top of OMS (EST)


@dataclass(frozen=True)
class Specialty:
    specialty_id: str
    name_en: str
    name_ru: str
    minutes_norm: int
    wait_standard: int
    wait_standard_unit: str
    is_primary_care: bool
    # booked visits a year per resident of the catchment (adults, children, women, everyone); EST
    bookings_per_capita: float
    catchment: str  # adults | children | women | all
    hosts: tuple[str, ...]  # facility kinds with this specialty
    mean_lead_days: float  # mean days from booking to slot for ordinary bookings (EST)


PUBLISH_AHEAD_PRIMARY = 14  # days ahead a primary-care schedule opens
PUBLISH_AHEAD_SPECIALIST = 35  # specialists open further ahead: the > 28 days booking band exists

SPECIALTIES: tuple[Specialty, ...] = (
    Specialty("therapist", "District therapist", "Участковый терапевт", 15, 24, "hours", True, 2.6, "adults",
              ("adult_polyclinic", "adult_branch"), 0.7),
    Specialty("general_practitioner", "General practitioner", "Врач общей практики", 18, 24, "hours", True, 0.6,
              "adults", ("adult_polyclinic", "adult_branch"), 0.7),
    Specialty("pediatrician", "District pediatrician", "Участковый педиатр", 15, 24, "hours", True, 4.5,
              "children", ("children_polyclinic", "children_branch"), 0.7),
    Specialty("neurologist", "Neurologist", "Невролог", 22, 14, "working_days", False, 0.45, "network",
              ("adult_polyclinic", "children_polyclinic"), 8.0),
    Specialty("ent", "Otorhinolaryngologist (ENT)", "Оториноларинголог", 16, 14, "working_days", False, 0.4,
              "network", ("adult_polyclinic", "children_polyclinic"), 6.0),
    Specialty("ophthalmologist", "Ophthalmologist", "Офтальмолог", 14, 14, "working_days", False, 0.45,
              "network", ("adult_polyclinic", "children_polyclinic"), 7.0),
    Specialty("obstetrician_gynaecologist", "Obstetrician-gynaecologist", "Акушер-гинеколог", 22, 14,
              "working_days", False, 1.2, "women", ("womens_consultation",), 6.0),
    Specialty("cardiologist", "Cardiologist", "Кардиолог", 24, 14, "working_days", False, 0.3, "network",
              ("adult_polyclinic", "diagnostic_centre"), 5.0),
    Specialty("endocrinologist", "Endocrinologist", "Эндокринолог", 19, 14, "working_days", False, 0.25,
              "network", ("adult_polyclinic", "diagnostic_centre"), 9.0),
    Specialty("surgeon", "Surgeon", "Хирург", 26, 14, "working_days", False, 0.4, "network",
              ("adult_polyclinic", "children_polyclinic"), 5.0),
    Specialty("pulmonologist", "Pulmonologist", "Пульмонолог", 26, 14, "working_days", False, 0.08, "network",
              ("adult_polyclinic", "diagnostic_centre"), 10.0),
    Specialty("oncologist", "Oncologist", "Онколог", 23, 14, "working_days", False, 0.12, "network",
              ("adult_polyclinic", "diagnostic_centre"), 6.0),
    Specialty("infectious_disease", "Infectious disease specialist", "Инфекционист", 20, 14, "working_days",
              False, 0.06, "network", ("adult_polyclinic",), 5.0),
    Specialty("phthisiatrician", "Phthisiatrician (TB)", "Фтизиатр", 35, 14, "working_days", False, 0.03,
              "network", ("adult_polyclinic",), 7.0),
    Specialty("dental_therapist", "Dental therapist", "Стоматолог-терапевт", 44, 14, "working_days", False, 0.5,
              "all", ("dental_clinic",), 6.0),
)  # fmt: skip

SPECIALTY_IDS = tuple(s.specialty_id for s in SPECIALTIES)
PRIMARY_CARE = tuple(s.specialty_id for s in SPECIALTIES if s.is_primary_care)
DEMAND_FIT = 0.72  # all bookings_per_capita scaled so that scale 1.0 books ~1.6M a week (dispensary included)
TARGET_UTILISATION = 0.85  # booked share of ordinary slots at scale 1.0 sets the number of doctors
URGENT_RESERVE_EVERY = 10  # every 10th primary-care slot is held for same-day urgent use
DIAGNOSTIC_CENTRE_SHARE = 0.3  # of specialist demand for the kinds a diagnostic centre offers

# ---------------------------------------------------------------------------------------------------------
# Access behaviour
WEEKDAY_DEMAND = (1.16, 1.04, 1.0, 0.98, 0.92, 0.25, 0.2)  # Mon..Sun; weekends are duty care only
WEEKDAY_NO_SHOW = (1.18, 1.08, 1.0, 0.92, 0.82, 0.9, 0.9)  # no-shows fall from Monday to Friday
WORKING_SATURDAY_DEMAND = 0.92  # a Saturday the decree made a working day books like a Friday (EST)
HOLIDAY_DEMAND = 0.2  # public holidays book like a Sunday: duty care only (EST)

# Opening hours (CALIBRATION.md: weekdays 8:00-20:00, weekend duty 9:00-15:00), in minutes after midnight.
WEEKDAY_HOURS = (8 * 60, 20 * 60)
DUTY_HOURS = (9 * 60, 15 * 60)
# A weekday has a morning shift (from 8:00) and an evening shift (to 20:00) of six hours each; a post on
# a shorter rate is staggered inside its shift (on the quarter hour), so no hour of the day is left empty
# (EST: Moscow polyclinics' two-shift schedules).
SHIFT_MINUTES = 360
SHIFT_STEP_MINUTES = 15
WEEKEND_DUTY_SHARE = 0.12  # of primary-care posts on duty on an ordinary Saturday or Sunday (EST)
# Public holidays (1-8 January, 23 February, 8 March, 1 and 9 May, 12 June, 4 November and the decree's
# transferred days off): the city publishes duty polyclinics, open on weekend hours with primary-care duty
# doctors; the others close. Every head polyclinic is on duty (each okrug keeps duty care) and a share of
# the branches, by rota; as many doctors are on duty as on a weekend, all in the duty polyclinics (EST).
HOLIDAY_DUTY_BRANCH_SHARE = 0.3
# no-show probability by booking band (England, GP Online): same day, next day, 2-7, 8-14, 15-21, 22-28, >28
NO_SHOW_BY_BAND = (0.019, 0.05, 0.068, 0.082, 0.086, 0.089, 0.092)
BAND_EDGES = (0, 1, 2, 8, 15, 22, 29)  # lower bound (days) of each band
# Days from booking to slot. Primary care: same day, next day, ... 7 days (88% of therapist bookings same or
# next day, 2016, counting the planned visits below); specialists: exponential around their mean_lead_days.
PRIMARY_LEAD_DAYS = (0.6, 0.31, 0.04, 0.02, 0.015, 0.01, 0.0025, 0.0025)
# Planned (dispensary) visits are booked when the patient is invited: within a week for the district doctor,
# one to five weeks ahead for a specialist (EST). A case diagnosed since the epoch gets its first visit the
# same or the next day.
DISPENSARY_LEAD_DAYS = {"primary": (1, 7), "specialist": (7, 35)}
CANCEL_RATE = 0.03
CANCELLED_BY_FACILITY = 0.2
WALK_IN_RATIO = 0.17  # walk-ins per booked primary-care visit (> 14% of primary-care visits), before season
CHANNELS_ORDINARY = {  # remote (first four) well above 80%
    "portal": 0.34, "mobile_app": 0.43, "call_centre": 0.08, "kiosk": 0.06, "registry_desk": 0.06,
    "doctor_referral": 0.03,
}  # fmt: skip
CHANNELS_SPECIALIST = {
    "portal": 0.32, "mobile_app": 0.4, "call_centre": 0.08, "kiosk": 0.05, "registry_desk": 0.03,
    "doctor_referral": 0.12,
}  # fmt: skip
CHANNELS_URGENT = {"call_centre": 0.6, "registry_desk": 0.4}
CHANNELS_DISPENSARY = {"doctor_referral": 0.25, "portal": 0.3, "mobile_app": 0.35, "call_centre": 0.1}
# the first dispensary visit is arranged by the polyclinic's call (same or next day), later ones at the last visit

# Respiratory season: peak weeks 3-8; summer baseline. Share of primary-care disease visits with J00-J22.
RESP_SEASON_PEAK_WEEK = 5.5
RESP_SEASON_WIDTH_WEEKS = 3.5
RESP_SHARE_BASE = 0.1
RESP_SHARE_PEAK = 0.34
SEASON_DEMAND_BOOST = 0.3  # extra primary-care demand at the peak
SCHOOL_SURGE = ((8, 15), (9, 18), 0.3)  # pediatric certificates 15 Aug - 18 Sep, +30%


@dataclass(frozen=True)
class Register:
    """A chronic-disease register: its codes, the prevalence the city is built with, and its care."""

    register_id: str
    name: str
    code_range: tuple[str, str]  # ICD-10 three-character categories, inclusive
    per_100k: float  # residents on the register at the epoch, per 100k of the denominator
    denominator: str  # all | adults (18+) | adults40 (40+)
    incidence_per_100k: float  # new cases a year, per 100k of the denominator
    source: str  # "calibration" or "EST"
    specialty: str  # who holds the dispensary visits (children: the pediatrician)
    visit_every_days: int
    codes: tuple[tuple[str, float], ...]  # ICD-10 codes written, with their shares
    drugs: tuple[tuple[str, float], ...]  # ATC codes of the repeat prescriptions, with probabilities
    age_mid: float  # age at which the age curve reaches half its height
    age_width: float
    male_ratio: float
    min_age: int = 0
    end_after_days: tuple[int, int] | None = None  # dispensary observation stops (cure) after this many days
    always_observed: bool = False  # registered by a specialised dispensary: every patient is observed

    def contains(self, icd10_code: str) -> bool:
        return self.code_range[0] <= icd10_code[:3] <= self.code_range[1]


REGISTERS: tuple[Register, ...] = (
    Register("diabetes", "Diabetes mellitus", ("E10", "E14"), 3400, "all", 300, "calibration", "endocrinologist", 91,
             (("E11.9", 0.92), ("E10.9", 0.08)),
             (("A10BA02", 0.75), ("A10BB09", 0.3), ("A10BK01", 0.2), ("A10AE04", 0.1)), 58, 9, 1.0),
    Register("hypertension", "Hypertensive diseases", ("I10", "I15"), 14000, "adults", 1168, "calibration",
             "therapist", 182, (("I10", 0.55), ("I11.9", 0.4), ("I15.9", 0.05)),
             (("C09AA02", 0.35), ("C09CA01", 0.4), ("C08CA01", 0.35), ("C07AB07", 0.3), ("C03BA11", 0.25)),
             57, 8, 1.0, 18),
    Register("ihd", "Ischaemic heart disease", ("I20", "I25"), 6500, "adults", 500, "EST", "cardiologist", 120,
             (("I25.1", 0.7), ("I20.8", 0.2), ("I25.2", 0.1)),
             (("C10AA05", 0.5), ("C10AA07", 0.35), ("B01AC06", 0.6), ("C07AB07", 0.5), ("B01AC04", 0.15)),
             67, 8, 1.4, 30),
    Register("cerebrovascular", "Cerebrovascular diseases", ("I60", "I69"), 5500, "adults", 400, "EST",
             "neurologist", 182, (("I67.8", 0.6), ("I69.3", 0.3), ("I63.9", 0.1)),
             (("B01AC06", 0.6), ("C10AA05", 0.5), ("B01AF02", 0.15)), 69, 8, 1.1, 30),
    Register("copd", "Chronic obstructive pulmonary disease", ("J44", "J44"), 1500, "adults40", 100, "EST",
             "pulmonologist", 182, (("J44.9", 0.8), ("J44.8", 0.2)), (("R03BB04", 0.7), ("R03AK07", 0.5)),
             64, 8, 2.0, 40),
    Register("asthma", "Asthma", ("J45", "J45"), 1000, "all", 50, "calibration", "pulmonologist", 182,
             (("J45.9", 0.6), ("J45.0", 0.4)), (("R03AC02", 0.8), ("R03AK07", 0.5)), 10, 15, 1.0),
    Register("malignant", "Malignant neoplasms", ("C00", "C97"), 2500, "all", 425, "calibration", "oncologist", 91,
             (("C50.9", 0.25), ("C18.9", 0.15), ("C34.9", 0.12), ("C61", 0.12), ("C44.9", 0.2), ("C16.9", 0.16)),
             (("L02BA01", 0.2), ("A02BC01", 0.2)), 64, 9, 1.0, 18, (1460, 2190)),
    Register("tuberculosis", "Tuberculosis", ("A15", "A19"), 60, "all", 40, "calibration", "phthisiatrician", 30,
             (("A15.0", 0.7), ("A16.2", 0.3)), (("J04AC01", 0.95), ("J04AB02", 0.9)), 40, 12, 2.2, 18,
             (300, 600), True),
    Register("hiv", "HIV disease", ("B20", "B24"), 800, "all", 49, "calibration", "infectious_disease", 91,
             (("B24", 0.6), ("B20.9", 0.4)), (("J05AR03", 0.95),), 40, 7, 1.6, 18, None, True),
    Register("heart_failure", "Heart failure", ("I50", "I50"), 1800, "adults", 300, "EST", "cardiologist", 120,
             (("I50.0", 0.7), ("I50.9", 0.3)), (("C03CA01", 0.6), ("C07AB07", 0.5), ("C09AA02", 0.4)),
             72, 7, 1.2, 40),
    Register("ckd", "Chronic kidney disease", ("N18", "N18"), 1500, "adults", 200, "EST", "therapist", 182,
             (("N18.3", 0.6), ("N18.9", 0.4)), (("C09CA01", 0.6),), 66, 9, 1.0, 30),
)  # fmt: skip

REGISTER_IDS = tuple(r.register_id for r in REGISTERS)
WORKING_DAYS_PER_YEAR = 247  # Russia's production calendar (247 in 2025): planned visits count working days

# Dispensary observation (the coverage the register marts measure). A polyclinic keeps only part of its
# registered chronic patients under dispensary observation (planned visits at the register's interval);
# the others stay on the register and see their district doctor about once a year (a disease visit at
# which the chronic diagnosis is recorded as known), and only some get a guideline prescription there.
# The observed share varies by okrug and unit: okrug means drawn uniformly from OBSERVED_SHARE_OKRUG, units
# spread around them (EST; the national target for cardiovascular patients is 70-80% under observation).
OBSERVED_SHARE_OKRUG = (0.45, 0.8)
OBSERVED_SHARE_UNIT_SD = 0.07
OBSERVED_SHARE_BOUNDS = (0.3, 0.95)
REVIEW_EVERY_DAYS = 365
REVIEW_RX_PROB = 0.5  # an unobserved patient's yearly visit ends with a repeat prescription (EST)
CHILD_REGISTER_SPECIALTY = "pediatrician"  # children's dispensary visits are with their pediatrician

# Benefit category of a repeat prescription by register (none, federal, regional, high_cost_nosology).
BENEFIT_SHARES_CHRONIC = (0.3, 0.25, 0.45, 0.0)
BENEFIT_SHARES_BY_REGISTER = {
    "tuberculosis": (0.0, 1.0, 0.0, 0.0),
    "hiv": (0.0, 1.0, 0.0, 0.0),
    "malignant": (0.1, 0.3, 0.4, 0.2),
}

# ---------------------------------------------------------------------------------------------------------
# What an ordinary visit is about. Codes (ICD-10) and their weights by specialty; none is a register code.
RESPIRATORY_CODES = (("J06.9", 0.55), ("J00", 0.12), ("J02.9", 0.08), ("J20.9", 0.12), ("J18.9", 0.05),
                     ("J03.9", 0.05), ("J11.1", 0.03))  # fmt: skip
OTHER_CODES = {
    "primary": (("M54.5", 0.2), ("K29.7", 0.12), ("N39.0", 0.08), ("R51", 0.1), ("E78.0", 0.12), ("E66.0", 0.08),
                ("L30.9", 0.08), ("K21.9", 0.08), ("I48", 0.04), ("R10.4", 0.1)),
    "neurologist": (("G43.9", 0.3), ("M54.2", 0.4), ("G47.0", 0.3)),
    "ent": (("H66.9", 0.35), ("J32.9", 0.35), ("H61.2", 0.3)),
    "ophthalmologist": (("H52.1", 0.4), ("H40.1", 0.25), ("H10.9", 0.35)),
    "obstetrician_gynaecologist": (("Z34.0", 0.35), ("N76.0", 0.3), ("N95.1", 0.35)),
    "cardiologist": (("I48", 0.35), ("R07.4", 0.35), ("I49.9", 0.3)),
    "endocrinologist": (("E04.1", 0.35), ("E66.0", 0.35), ("E78.0", 0.3)),
    "surgeon": (("M17.9", 0.35), ("L02.4", 0.3), ("K40.9", 0.35)),
    "pulmonologist": (("J18.9", 0.4), ("R05", 0.6)),
    "oncologist": (("D22.5", 0.5), ("D24", 0.5)),
    "infectious_disease": (("A09.9", 0.5), ("B34.9", 0.5)),
    "phthisiatrician": (("Z03.0", 1.0),),
    "dental_therapist": (("K02.1", 0.6), ("K05.1", 0.4)),
}  # fmt: skip
URGENT_CODES = (("J06.9", 0.35), ("R50.9", 0.2), ("T14.0", 0.15), ("R10.4", 0.15), ("M54.5", 0.15))
PREVENTIVE_CODES = (("Z00.0", 0.7), ("Z01.8", 0.2), ("Z10.8", 0.1))
SCREENING_CODES = (("Z00.0", 0.6), ("Z13.9", 0.4))
# Acute prescriptions: probability a disease visit ends with one, and the drugs written
ACUTE_RX_PROB = 0.3
ACUTE_DRUGS_RESPIRATORY = (("J01CA04", 0.35), ("R05CB01", 0.35), ("M01AE01", 0.3))
ACUTE_DRUGS_OTHER = (("M01AE01", 0.4), ("A02BC01", 0.35), ("C10AA05", 0.25))
DISPENSED_SHARE = 0.86
PHARMACIES = 2_000
REFERRAL_PROB_PRIMARY = 0.08  # a primary-care disease visit ends with a referral to a specialist

# Visit types of ordinary bookings (disease, preventive, screening) by kind of doctor
VISIT_MIX_PRIMARY = (0.78, 0.1, 0.12)
VISIT_MIX_SPECIALIST = (0.9, 0.1, 0.0)
PREVENTIVE_MINUTES_SHARE = 0.65  # preventive visits take 60-70% of the norm

# ---------------------------------------------------------------------------------------------------------
# Money (roubles). OMS standard costs by year for 2022-2024 (regional programmes of state guarantees, federal
# figures); other years grow 5.5% a year. Moscow's own figures are 1.5-2x the federal ones (CALIBRATION.md,
# EST): the city's OMS and budget tariffs are the federal standard costs times MOSCOW_FACTOR.
TARIFF_YEARS = range(2015, 2036)
OMS_TARIFFS_2022_2024 = {
    "disease": (755, 783, 831),
    "dispensary": (755, 783, 831),
    "urgent": (793, 842, 893),
    "preventive": (2240, 2381, 2522),
    "screening": (2700, 2800, 2900),
}
TARIFF_GROWTH = 0.055
MOSCOW_FACTOR = 1.75  # the middle of 1.5-2x (EST)
BUDGET_FACTOR = MOSCOW_FACTOR  # budget-funded care priced as OMS
DMS_FACTOR = 3.2  # voluntary insurance and paid visits: 2,500-5,000 roubles in Moscow (EST), x federal cost
PAID_FACTOR = 3.6
DMS_VISIT_SHARE = 0.35  # of the visits of a resident holding DMS, paid by DMS (EST)
PAID_VISIT_SHARE = 0.03  # of the visits of a resident with OMS only, paid out of pocket (EST)
PAYROLL_TAX = 0.302
# What a polyclinic costs. Spending follows the unit's expected activity priced at the tariffs, times its
# cost ratio (spending per rouble of tariff revenue): drawn per unit, so some units run a surplus and some a
# deficit (EST: Moscow's budget institutions plan spending to their income). Payroll and overheads are fixed
# each month; consumables follow the month's working days; utilities follow the heating season.
COST_RATIO = (0.88, 1.1)
COST_MONTHLY_NOISE = 0.03
HEATING_MONTHS = (1, 2, 3, 4, 10, 11, 12)
HEATING_UTILITIES_FACTOR = 1.4  # utilities in a heating month against a summer month (EST)
COST_SHARES = {  # shares of the total; payroll_taxes is 30.2% of payroll
    "payroll": 0.5,
    "payroll_taxes": 0.5 * PAYROLL_TAX,
    "drugs_consumables": 0.12,
    "utilities": 0.08,
    "equipment": 0.07,
    "other": 1 - 0.5 - 0.5 * PAYROLL_TAX - 0.12 - 0.08 - 0.07,
}
# The order of magnitude a Moscow polyclinic's spending is checked against: the OMS per-capita norm (17,932.5
# roubles per insured person a year, 2024, federal, all kinds of care), times Moscow's factor, times the share
# of it that outpatient care takes (EST 40%): ~12,550 roubles per resident a year.
OMS_PER_CAPITA_2024 = 17_932.5
OUTPATIENT_SHARE_OF_PER_CAPITA = 0.4


def tariff(year: int, funding_source: str, visit_type: str) -> float:
    """The price of one visit in Moscow (roubles): the federal programme's standard cost of the year (grown or
    deflated 5.5% a year outside 2022-24) times Moscow's factor for OMS and budget, or the paid price."""
    base = OMS_TARIFFS_2022_2024[visit_type]
    if year <= 2022:
        value = base[0] / (1 + TARIFF_GROWTH) ** (2022 - year)
    elif year >= 2024:
        value = base[2] * (1 + TARIFF_GROWTH) ** (year - 2024)
    else:
        value = base[year - 2022]
    factor = {"OMS": MOSCOW_FACTOR, "budget": BUDGET_FACTOR, "DMS": DMS_FACTOR, "paid": PAID_FACTOR}[
        funding_source
    ]
    return round(value * factor, 2)


def register_targets() -> list[dict]:
    """The register prevalence targets as rows (for tests and reference lines elsewhere)."""
    return [
        {
            "register_id": r.register_id,
            "code_from": r.code_range[0],
            "code_to": r.code_range[1],
            "per_100k": r.per_100k,
            "denominator": r.denominator,
            "incidence_per_100k": r.incidence_per_100k,
            "source": r.source,
        }
        for r in REGISTERS
    ]


# ---------------------------------------------------------------------------------------------------------
# Hospitals (CALIBRATION.md, "Hospitals"). One department per (hospital, bed profile).
HOSPITAL_COUNTS = {"multi_profile": 45, "specialised": 15, "children": 10}  # ~70 city hospitals (EST)
# Departments of each kind of hospital. A specialised hospital runs one profile (taken in turn from
# SPECIALISED_PROFILES, EST: infectious-disease hospitals, perinatal centres, oncology and cardiology
# centres); where the city has no specialised hospital of a profile (small scales) every multi-profile
# hospital runs it, so every profile has beds at any scale.
MULTI_PROFILE_PROFILES = ("therapeutic", "surgical", "cardiology", "neurology", "gynaecological")
SPECIALISED_PROFILES = ("maternity", "infectious", "oncology", "maternity", "cardiology", "infectious")
CHILDREN_PROFILES = ("paediatric",)
BED_OCCUPANCY = 313 / 365  # 313 bed-days a bed a year (Russia 2018, naukaru.ru 34956): beds are sized to it
DEPARTMENT_BED_CHANGE_SHARE = 0.05  # departments whose beds change within 3 years of the epoch (EST)
DEPARTMENT_BED_CHANGE = (0.8, 1.2)  # the new beds against the old (EST)
# a hospital's beds of one profile are run as departments of at most this many beds (EST: Moscow city
# hospitals' departments hold some 30-120 beds; a large hospital has several therapeutic departments)
DEPARTMENT_MAX_BEDS = 120

ADMISSIONS_PER_RESIDENT = 0.20  # ~20 admissions per 100 residents a year (EST; Russia's rate ~21)
# the streams are drawn this much above it: a stay drawn over another stay of the patient or past their
# death is dropped (fitted on the simulated files)
ADMISSIONS_FIT = 1.05
EMERGENCY_SHARE = 0.60  # of admissions (EST): the profiles' emergency shares below are fitted to it
IN_HOSPITAL_MORTALITY = 0.019  # died / discharges (Russia 2018, naukaru.ru 34956)
READMISSION_30D = 0.10  # unplanned readmissions within 30 days of an index stay discharged home (EST 8-12%)
# Probability an index stay discharged home brings a related readmission within 30 days; the rest of the
# 30-day readmissions are chance admissions of the same (often chronic) patients. Fitted so that the rate
# above is what the simulated files show (EST).
READMISSION_LINKED_PROB = 0.12
READMISSION_GAP_MEAN_DAYS = 9.0  # days from discharge to a linked readmission, exponential, at most 30 (EST)
READMISSION_EMERGENCY_SHARE = 0.85  # EST
TRANSFER_WITHIN_SHARE = 0.08  # stays moved to another department of the hospital (EST)
TRANSFER_OUT_SHARE = 0.02  # stays ending with a transfer to another hospital (EST)
MAX_LOS_DAYS = 60  # a stay's length is capped here (EST: long stays belong to other bed networks)
LOS_GAMMA_SHAPE = 2.5  # length of stay ~ Gamma(shape, ALOS / shape), at least one day (EST)
HOSPITAL_WINTER_AMPLITUDE = 0.3  # emergencies at the respiratory-season peak against the year (EST)
# A planned admission follows a polyclinic's referral by this many working days: within the standard of
# the programme of state guarantees (14 working days; oncology 7) for most, later for a few (EST share).
PLANNED_WAIT_STANDARD_WD = {"oncology": 7}
PLANNED_WAIT_STANDARD_DEFAULT_WD = 14
PLANNED_WAIT_BEYOND_SHARE = 0.08  # EST
PLANNED_WAIT_BEYOND_MAX_WD = 10  # extra working days at most beyond the standard (EST)
# The follow-up visit the attached polyclinic books after a discharge home: days from discharge to the
# visit (within 7 days for ~65%, EST), or never booked (EST). The booking is made by the polyclinic
# the day before the visit (or within hours of the discharge, when that comes later), with the district
# doctor (children: the pediatrician).
FOLLOW_UP_NEVER_SHARE = 0.15
FOLLOW_UP_WITHIN_7_SHARE = 0.7  # of all discharges home of attached patients (EST)
FOLLOW_UP_MAX_DAYS = 14
FOLLOW_UP_CHANNEL = "call_centre"  # the polyclinic books it and calls the patient (EST)
# Relative admission risk of a register patient not under dispensary observation against an observed one:
# poor follow-up drives avoidable admissions (EST; the register streams below are drawn with it).
POOR_FOLLOW_UP_RR = 2.0
# General admissions by age (relative weight per resident, EST): the young rarely, the old often.
ADMISSION_AGE_WEIGHT = ((0, 0.55), (18, 0.5), (40, 0.9), (60, 1.8), (75, 2.8))  # (from age, weight)
# Births: admissions to maternity per 1,000 women aged 18-44 a year (EST: Moscow ~125k births a year).
MATERNITY_PER_1000_WOMEN = 55.0
# Share of deaths that happen in hospital is set so that died / discharges = IN_HOSPITAL_MORTALITY; the
# terminal stay's profile (adults; children: paediatric), EST.
TERMINAL_PROFILES = (("therapeutic", 0.4), ("cardiology", 0.25), ("neurology", 0.15), ("oncology", 0.15),
                     ("surgical", 0.05))  # fmt: skip
SECONDARY_DIAGNOSIS_SHARE = 0.4  # stays discharged with a comorbidity (EST)
SECONDARY_CODES = (("I10", 0.25), ("E11.9", 0.15), ("I25.1", 0.15), ("E78.0", 0.1), ("E66.0", 0.1),
                   ("N18.3", 0.08), ("I48.9", 0.1), ("D64.9", 0.07))  # fmt: skip


@dataclass(frozen=True)
class BedProfile:
    """A bed profile's stays: average length (days, EST for Moscow's multi-profile hospitals, ~7-8 days
    overall), emergency share (EST) and the admission diagnoses (ICD-10, none of them an AHRQ PQI code: the
    avoidable admissions come from `ACSC_STREAMS`), with the specialty a polyclinic refers to."""

    profile: str
    alos_days: float
    emergency_share: float
    refer_to: str
    emergency_codes: tuple[tuple[str, float], ...]
    planned_codes: tuple[tuple[str, float], ...]


BED_PROFILE_STAYS: tuple[BedProfile, ...] = (
    BedProfile("therapeutic", 8.0, 0.7, "therapist",
               (("K92.2", 0.15), ("K85.9", 0.12), ("R55", 0.1), ("D64.9", 0.1), ("I26.9", 0.1), ("A41.9", 0.08),
                ("J20.9", 0.15), ("K70.3", 0.1), ("K29.1", 0.1)),
               (("K21.0", 0.2), ("M06.9", 0.2), ("D50.9", 0.2), ("K74.6", 0.2), ("J84.1", 0.2))),
    BedProfile("surgical", 6.5, 0.55, "surgeon",
               (("K35.8", 0.2), ("K80.0", 0.2), ("K56.6", 0.12), ("K40.3", 0.1), ("S72.0", 0.18), ("S06.0", 0.1),
                ("K25.4", 0.1)),
               (("K40.9", 0.25), ("K80.2", 0.25), ("K60.3", 0.1), ("I83.9", 0.15), ("M17.1", 0.15), ("N20.0", 0.1))),
    BedProfile("cardiology", 8.5, 0.7, "cardiologist",
               (("I21.9", 0.35), ("I20.0", 0.35), ("I48.9", 0.2), ("I47.1", 0.1)),
               (("I25.1", 0.5), ("I48.9", 0.3), ("I35.0", 0.2))),
    BedProfile("neurology", 10.0, 0.75, "neurologist",
               (("I63.9", 0.55), ("I61.9", 0.1), ("G40.9", 0.15), ("G45.9", 0.2)),
               (("G35", 0.3), ("G20", 0.3), ("M51.1", 0.4))),
    BedProfile("infectious", 6.0, 0.9, "infectious_disease",
               (("A09.9", 0.35), ("A08.4", 0.2), ("J10.1", 0.25), ("B01.9", 0.1), ("A46", 0.1)),
               (("B18.2", 0.6), ("B20.9", 0.4))),
    BedProfile("maternity", 4.0, 0.7, "obstetrician_gynaecologist",
               (("O80.0", 0.7), ("O47.0", 0.15), ("O42.0", 0.15)),
               (("O82.0", 0.6), ("O34.2", 0.4))),
    BedProfile("gynaecological", 4.5, 0.4, "obstetrician_gynaecologist",
               (("O03.9", 0.4), ("N70.1", 0.3), ("N83.2", 0.3)),
               (("D25.9", 0.5), ("N80.0", 0.3), ("N83.2", 0.2))),
    BedProfile("oncology", 9.0, 0.1, "oncologist",
               (("C34.9", 0.3), ("C18.9", 0.3), ("C16.9", 0.4)),
               (("C50.9", 0.25), ("C18.9", 0.15), ("C34.9", 0.15), ("C61", 0.15), ("C16.9", 0.15), ("C67.9", 0.15))),
    BedProfile("paediatric", 5.5, 0.6, "pediatrician",
               (("J18.9", 0.25), ("J20.9", 0.25), ("A09.9", 0.2), ("J06.9", 0.1), ("K59.0", 0.1), ("R56.0", 0.1)),
               (("J45.9", 0.3), ("N10", 0.3), ("E10.9", 0.2), ("K29.7", 0.2))),
)  # fmt: skip

# General admissions of adults by profile (relative weights, EST after Rosstat's beds by profile); women
# add gynaecological; children go to paediatric beds, a few to infectious.
ADULT_PROFILE_MIX = {"therapeutic": 0.32, "surgical": 0.26, "cardiology": 0.12, "neurology": 0.09,
                     "oncology": 0.10, "infectious": 0.04, "gynaecological": 0.07}  # fmt: skip
CHILD_PROFILE_MIX = {"paediatric": 0.92, "infectious": 0.08}


@dataclass(frozen=True)
class AcscStream:
    """Emergency admissions for an ambulatory-care-sensitive condition (AHRQ Prevention Quality
    Indicators, ICD-10 by their WHO 4-character codes): a rate per 100,000 of a population a year (EST,
    US AHRQ national rates scaled to Russia's higher admission rate), drawn from a register's patients
    (those without dispensary observation `POOR_FOLLOW_UP_RR` times as often) or from all residents of an
    age by `ADMISSION_AGE_WEIGHT`."""

    pqi: str
    per_100k: float
    denominator: tuple[int, int]  # ages (from, to) of the population the rate is per
    register: str | None  # drawn from this register's patients; None: from all residents of those ages
    profile: str
    codes: tuple[tuple[str, float], ...]


ACSC_STREAMS: tuple[AcscStream, ...] = (
    AcscStream("PQI01", 90, (18, 200), "diabetes", "therapeutic",
               (("E10.1", 0.3), ("E11.0", 0.2), ("E11.1", 0.4), ("E10.0", 0.1))),
    AcscStream("PQI03", 150, (18, 200), "diabetes", "therapeutic",
               (("E11.2", 0.25), ("E11.4", 0.2), ("E11.5", 0.25), ("E11.7", 0.15), ("E10.5", 0.15))),
    AcscStream("PQI14", 30, (18, 200), "diabetes", "therapeutic", (("E11.9", 0.8), ("E10.9", 0.2))),
    AcscStream("PQI05", 500, (40, 200), "copd", "therapeutic", (("J44.1", 0.6), ("J44.0", 0.25), ("J44.9", 0.15))),
    AcscStream("PQI05", 60, (40, 200), "asthma", "therapeutic", (("J45.9", 0.6), ("J46", 0.4))),
    AcscStream("PQI15", 40, (18, 39), "asthma", "therapeutic", (("J45.9", 0.6), ("J46", 0.4))),
    AcscStream("PQI07", 200, (18, 200), "hypertension", "cardiology", (("I10", 0.6), ("I11.9", 0.3), ("I12.9", 0.1))),
    AcscStream("PQI08", 400, (18, 200), "heart_failure", "cardiology", (("I50.0", 0.6), ("I50.9", 0.2), ("I11.0", 0.2))),
    AcscStream("PQI11", 350, (18, 200), None, "therapeutic", (("J18.9", 0.6), ("J18.1", 0.2), ("J15.9", 0.1), ("J13", 0.1))),
    AcscStream("PQI12", 180, (18, 200), None, "therapeutic", (("N39.0", 0.7), ("N10", 0.2), ("N30.0", 0.1))),
    AcscStream("PQI10", 60, (18, 200), None, "therapeutic", (("E86", 1.0),)),
)  # fmt: skip
ACSC_EMERGENCY_SHARE = 0.9  # the rest are planned (referred) admissions for the same conditions (EST)
