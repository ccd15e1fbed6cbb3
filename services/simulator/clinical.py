"""What a doctor writes at a visit: diagnoses (ICD-10), e-prescriptions (ATC) and their dispensing, referrals.

Registered patients at a dispensary visit get their register code (dispensary start at the first visit since
the epoch or the onset, stop when observation ends) and repeat prescriptions of the guideline drug group;
those not under dispensary observation get their register code (known) at their yearly review with the
district doctor, and a repeat prescription at some of them. Ordinary visits get codes by specialty and
season, none of them a register code, so the registers the warehouse builds from the diagnoses are exactly
the city's chronic patients.
"""

from __future__ import annotations

import numpy as np

from services.contract import BENEFIT_CATEGORIES
from services.simulator import calibration as cal
from services.simulator.city import IS_PRIMARY, NSPEC, ORD_1970, City
from services.simulator.codes import DRUG_INDEX, ICD_INDEX, make_ids

DAY_S = 86_400
P_DIAG, P_RX, P_DISPENSE, P_REFERRAL = 21, 22, 23, 24
VT = {"disease": 0, "preventive": 1, "dispensary": 2, "urgent": 3, "screening": 4}
KIND_FIRST, KIND_KNOWN = 0, 1
ACTION_START, ACTION_STOP = 0, 1

# Register lookups: code and drug tables as padded arrays, indexed [register, k]
_MAX_CODES = max(len(r.codes) for r in cal.REGISTERS)
_MAX_DRUGS = max(len(r.drugs) for r in cal.REGISTERS)
REG_ICD = np.array(
    [[ICD_INDEX[c] for c, _ in r.codes] + [0] * (_MAX_CODES - len(r.codes)) for r in cal.REGISTERS], np.int16
)
REG_DRUG = np.array(
    [[DRUG_INDEX[c] for c, _ in r.drugs] + [-1] * (_MAX_DRUGS - len(r.drugs)) for r in cal.REGISTERS],
    np.int16,
)
REG_DAYS = np.array([min(r.visit_every_days, 90) for r in cal.REGISTERS], np.int32)
REG_BENEFIT = np.array(
    [cal.BENEFIT_SHARES_BY_REGISTER.get(r.register_id, cal.BENEFIT_SHARES_CHRONIC) for r in cal.REGISTERS]
)
SPECIALIST_IDX = np.flatnonzero(~IS_PRIMARY)
SPECIALIST_WEIGHT = np.array([cal.SPECIALTIES[i].bookings_per_capita for i in SPECIALIST_IDX])
OTHER_LUT = {}  # specialty index -> (codes, weights)
for _i, _sp in enumerate(cal.SPECIALTIES):
    _pairs = cal.OTHER_CODES["primary" if _sp.is_primary_care else _sp.specialty_id]
    OTHER_LUT[_i] = (np.array([ICD_INDEX[c] for c, _ in _pairs], np.int16), np.array([w for _, w in _pairs]))


def _pick(rng: np.random.Generator, pairs, n: int) -> np.ndarray:
    lut = np.array([ICD_INDEX[c] for c, _ in pairs], dtype=np.int16)
    w = np.array([p for _, p in pairs], dtype=float)
    idx = np.searchsorted(np.cumsum(w / w.sum()), rng.random(n), side="right")
    return lut[np.minimum(idx, len(w) - 1)]


def _pick_drug(rng: np.random.Generator, pairs, n: int) -> np.ndarray:
    lut = np.array([DRUG_INDEX[c] for c, _ in pairs], dtype=np.int16)
    w = np.array([p for _, p in pairs], dtype=float)
    idx = np.searchsorted(np.cumsum(w / w.sum()), rng.random(n), side="right")
    return lut[np.minimum(idx, len(w) - 1)]


def resp_share(bump: float) -> float:
    return cal.RESP_SHARE_BASE + (cal.RESP_SHARE_PEAK - cal.RESP_SHARE_BASE) * bump


def clinical_events(city: City, s: int, enc: dict) -> dict[str, dict[str, np.ndarray]]:
    """Diagnoses, prescriptions, dispensing and referrals of the encounters of day s."""
    ne = len(enc["ids"])
    vt, spec, cond = enc["vt"], enc["spec"], enc["cond"]
    primary = IS_PRIMARY[spec]
    rng = np.random.default_rng([city.seed, s, P_DIAG])

    # --- the main diagnosis of each encounter ---------------------------------------------------------
    code = np.zeros(ne, dtype=np.int16)
    kind = np.where(rng.random(ne) < 0.75, KIND_FIRST, KIND_KNOWN).astype(np.int16)
    action = np.full(ne, -1, dtype=np.int16)
    resp = rng.random(ne) < resp_share(enc["bump"])
    for x in range(NSPEC):
        sel = np.flatnonzero((spec == x) & (vt == VT["disease"]))
        lut, w = OTHER_LUT[x]
        idx = np.minimum(
            np.searchsorted(np.cumsum(w / w.sum()), rng.random(len(sel)), side="right"), len(w) - 1
        )
        code[sel] = lut[idx]
    sel = np.flatnonzero(primary & (vt == VT["disease"]) & resp)
    code[sel] = _pick(rng, cal.RESPIRATORY_CODES, len(sel))
    sel = np.flatnonzero(vt == VT["urgent"])
    code[sel] = np.where(
        rng.random(len(sel)) < min(1.0, 1.6 * resp_share(enc["bump"])),
        _pick(rng, cal.RESPIRATORY_CODES, len(sel)),
        _pick(rng, cal.URGENT_CODES, len(sel)),
    )
    kind[sel] = KIND_FIRST
    for name, pairs in (("preventive", cal.PREVENTIVE_CODES), ("screening", cal.SCREENING_CODES)):
        sel = np.flatnonzero(vt == VT[name])
        code[sel] = _pick(rng, pairs, len(sel))
        kind[sel] = KIND_FIRST
    # planned visits of registered patients: the register's code, first-time at the first visit after an
    # onset since the epoch; dispensary start and stop only where the patient is under observation
    chronic = np.flatnonzero(cond >= 0)
    c = cond[chronic]
    reg = city.cond_reg[c]
    code[chronic] = REG_ICD[reg, city.cond_code[c]]
    onset_after_epoch = city.cond_onset[c] >= city.epoch_ord
    kind[chronic] = np.where(enc["start"][chronic] & onset_after_epoch, KIND_FIRST, KIND_KNOWN)
    observed = vt[chronic] == VT["dispensary"]
    start, stop = enc["start"][chronic] & observed, enc["stop"][chronic] & observed
    action[chronic] = np.where(start, ACTION_START, np.where(stop, ACTION_STOP, -1))

    # a secondary diagnosis at a quarter of disease and dispensary visits of adults
    second = np.flatnonzero(np.isin(vt, [VT["disease"], VT["dispensary"]]) & (rng.random(ne) < 0.25))
    second_code = _pick(rng, (("E78.0", 0.5), ("E66.0", 0.3), ("K21.9", 0.2)), len(second))
    d_enc = np.concatenate([np.arange(ne), second])
    nd = len(d_enc)
    out = {
        "diagnosis_recorded": {
            "event_id": make_ids(s, "diagnosis_recorded", nd),
            "occurred_at": enc["at"][d_enc],
            "encounter_id": enc["ids"][d_enc],
            "patient": enc["pat"][d_enc],
            "icd10_code": np.concatenate([code, second_code]),
            "is_primary": np.r_[np.ones(ne, bool), np.zeros(len(second), bool)],
            "diagnosis_kind": np.concatenate([kind, np.full(len(second), KIND_KNOWN, np.int16)]),
            "dispensary_action": np.concatenate([action, np.full(len(second), -1, np.int16)]),
        }
    }

    # --- prescriptions: repeat drugs of the register at dispensary visits, acute drugs at some others --
    rng = np.random.default_rng([city.seed, s, P_RX])
    # every dispensary visit renews the guideline drugs; a yearly review of an unobserved patient only some
    renews = observed | (rng.random(len(chronic)) < cal.REVIEW_RX_PROB)
    mask = np.where(renews, city.cond_drugs[c], 0).astype(np.int64)
    bits = (mask[:, None] >> np.arange(_MAX_DRUGS)) & 1
    r_row, r_k = np.nonzero(bits)
    rx_enc_chronic = chronic[r_row]
    rx_drug_chronic = REG_DRUG[reg[r_row], r_k]
    rx_days_chronic = REG_DAYS[reg[r_row]]
    bshares = REG_BENEFIT[reg[r_row]]
    ub = rng.random(len(r_row))
    rx_benefit_chronic = (
        (ub[:, None] > np.cumsum(bshares, axis=1)).sum(axis=1).clip(0, len(BENEFIT_CATEGORIES) - 1)
    )
    acute = np.flatnonzero(
        primary
        & np.isin(vt, [VT["disease"], VT["urgent"]])
        & (cond < 0)
        & (rng.random(ne) < cal.ACUTE_RX_PROB)
    )
    is_resp_code = np.isin(code[acute], [ICD_INDEX[c] for c, _ in cal.RESPIRATORY_CODES])
    acute_drug = np.where(
        is_resp_code,
        _pick_drug(rng, cal.ACUTE_DRUGS_RESPIRATORY, len(acute)),
        _pick_drug(rng, cal.ACUTE_DRUGS_OTHER, len(acute)),
    )
    rx_enc = np.concatenate([rx_enc_chronic, acute])
    nr = len(rx_enc)
    days = np.concatenate([rx_days_chronic, rng.integers(5, 11, len(acute)).astype(np.int32)])
    quantity = np.maximum(days // 30, 1).astype(np.int32)
    rx_ids = make_ids(s, "prescription", nr)
    day_end = (s - ORD_1970 + 1) * DAY_S - 1  # everything written at a visit stays on the visit's day
    rx_at = np.minimum(enc["at"][rx_enc] + 30, day_end)
    out["prescription_issued"] = {
        "event_id": make_ids(s, "prescription_issued", nr),
        "occurred_at": rx_at,
        "prescription_id": rx_ids,
        "encounter_id": enc["ids"][rx_enc],
        "patient": enc["pat"][rx_enc],
        "doctor_id": enc["doctor"][rx_enc],
        "atc_code": np.concatenate([rx_drug_chronic, acute_drug]).astype(np.int16),
        "quantity": quantity,
        "days_supply": days,
        "benefit_category": np.concatenate([rx_benefit_chronic, np.zeros(len(acute), np.int64)]).astype(
            np.int16
        ),
    }

    # --- dispensing: most prescriptions, the same day or within a week ----------------------------------
    rng = np.random.default_rng([city.seed, s, P_DISPENSE])
    dispensed = np.flatnonzero(rng.random(nr) < cal.DISPENSED_SHARE)
    delay = np.where(rng.random(len(dispensed)) < 0.5, 0, rng.integers(1, 8, len(dispensed)))
    day_start = (rx_at[dispensed] // DAY_S) * DAY_S
    later = day_start + delay * DAY_S + 9 * 3600 + (rng.random(len(dispensed)) * 12 * 3600).astype(np.int64)
    same = rx_at[dispensed] + 600 + (rng.random(len(dispensed)) * 3 * 3600).astype(np.int64)
    dispensed_at = np.where(delay == 0, np.minimum(same, day_start + DAY_S - 1), later)
    q = quantity[dispensed]
    q = np.where((q > 1) & (rng.random(len(dispensed)) < 0.05), q - 1, q)
    out["prescription_dispensed"] = {
        "event_id": make_ids(s, "prescription_dispensed", len(dispensed)),
        "occurred_at": dispensed_at,
        "prescription_id": rx_ids[dispensed],
        "pharmacy_id": rng.integers(1, city.n_pharmacies + 1, len(dispensed)).astype(np.int32),
        "quantity": q.astype(np.int32),
    }

    # --- referrals from primary care to specialists ---------------------------------------------------
    rng = np.random.default_rng([city.seed, s, P_REFERRAL])
    ref = np.flatnonzero(
        primary & (vt == VT["disease"]) & (rng.random(ne) < cal.REFERRAL_PROB_PRIMARY) & (enc["href"] == 0)
    )
    w = SPECIALIST_WEIGHT / SPECIALIST_WEIGHT.sum()
    to = SPECIALIST_IDX[
        np.minimum(np.searchsorted(np.cumsum(w), rng.random(len(ref)), side="right"), len(w) - 1)
    ]
    # and the referrals for a planned admission (their ids are the stays' own: hospitals.py)
    hosp = np.flatnonzero(enc["href"] > 0)
    ref_all = np.concatenate([ref, hosp])
    out["referral_issued"] = {
        "event_id": make_ids(s, "referral_issued", len(ref_all)),
        "occurred_at": np.minimum(enc["at"][ref_all] + 60, day_end),
        "referral_id": np.concatenate([make_ids(s, "referral", len(ref)), enc["href"][hosp]]),
        "encounter_id": enc["ids"][ref_all],
        "patient": enc["pat"][ref_all],
        "to_specialty_id": np.concatenate([to, enc["href_to"][hosp]]).astype(np.int16),
    }
    return out
