"""One service day of the city: the slots of a day and every event that follows from them.

`generate_day(city, s)` returns, for each transaction table, numpy columns of the events that belong to the
slots and visits of day `s`. Those events happen on other days too: slots are published up to five weeks
before, bookings and cancellations fall between publication and the slot, dispensing follows a prescription
by up to a week. The engine routes each event to the partition of its own date.

Every random draw is keyed by (seed, day, purpose), so a day is the same whichever run generates it; this
is what makes continued runs identical to one long run.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from services.simulator import calibration as cal
from services.simulator.city import (
    ADULT_HEAD,
    CHILD_HEAD,
    IS_PRIMARY,
    MINUTES,
    NSPEC,
    ORD_1970,
    PUBLISH_AHEAD,
    SPEC_INDEX,
    City,
)
from services.simulator.codes import (
    CHANNEL_INDEX,
    FUNDING_INDEX,
    VISIT_INDEX,
    make_ids,
)
from services.simulator.hospitals import follow_ups_due, hospital_events, referral_visits
from services.simulator.workdays import HOLIDAY, WEEKEND, WORKING, day_kind, working_day_index

DAY_S = 86_400
# purposes of the per-day random streams (clinical.py uses 21-24); each stage draws from its own stream, so
# the look-ahead days that stop after booking draw exactly what a full day would
P_WORK, P_DEMAND, P_BOOK, P_PATIENT, P_CANCEL, P_OUTCOME, P_WALKIN, P_ENCOUNTER, P_HREF = range(1, 10)
DISPENSE_MAX_DELAY = 7  # days: the engine regenerates this many days before a run for their dispensing
VT_DISEASE, VT_PREVENTIVE, VT_DISPENSARY, VT_URGENT, VT_SCREENING = (
    VISIT_INDEX[v] for v in ("disease", "preventive", "dispensary", "urgent", "screening")
)
# kinds of booking: ordinary demand, a planned dispensary visit, same-day urgent use of a reserve slot, and
# the yearly review of a registered patient who is not under dispensary observation
# and the follow-up visit the polyclinic books after a discharge from hospital
KIND_ORDINARY, KIND_DISPENSARY, KIND_URGENT, KIND_REVIEW, KIND_FOLLOW_UP = 0, 1, 2, 3, 4
_ALWAYS_OBSERVED = np.array([r.always_observed for r in cal.REGISTERS])


def day_rng(city: City, s: int, purpose: int) -> np.random.Generator:
    return np.random.default_rng([city.seed, s, purpose])


def season_bump(s: int) -> float:
    """0..1: how deep into the respiratory season a day is (peak in weeks 3-8)."""
    week = (dt.date.fromordinal(s).timetuple().tm_yday - 1) / 7.0 + 0.5
    d = min(abs(week - cal.RESP_SEASON_PEAK_WEEK), 52.18 - abs(week - cal.RESP_SEASON_PEAK_WEEK))
    return float(np.exp(-0.5 * (d / cal.RESP_SEASON_WIDTH_WEEKS) ** 2))


def _choice(rng: np.random.Generator, weights, n: int) -> np.ndarray:
    p = np.asarray(weights, dtype=float)
    return np.minimum(np.searchsorted(np.cumsum(p / p.sum()), rng.random(n), side="right"), len(p) - 1)


def _ranks(sorted_keys: np.ndarray) -> np.ndarray:
    """Position of each element within its run of equal keys (keys already sorted)."""
    n = len(sorted_keys)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    start = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])
    lengths = np.diff(np.r_[start, n])
    return np.arange(n) - np.repeat(start, lengths)


def demand_factor(s: int) -> float:
    """Bookings of day s against an ordinary Wednesday: by weekday, working Saturday, holiday."""
    kind, dow = day_kind(s), (s + 6) % 7
    if kind == HOLIDAY:
        return cal.HOLIDAY_DEMAND
    if kind == WORKING and dow >= 5:
        return cal.WORKING_SATURDAY_DEMAND
    return cal.WEEKDAY_DEMAND[dow]


def _shift_starts(city: City, s: int, length: np.ndarray, stagger: np.ndarray) -> np.ndarray:
    """Start (minutes after midnight) of each post's weekday shift: morning shifts from 8:00, evening shifts
    to 20:00, alternating by week and day. A post shorter than its shift starts on a staggered quarter
    hour: its middle falls uniformly over the shift, moved inside it where it would stick out, so the hours
    at the ends and at the change of shifts are about as full as the others."""
    dow = (s + 6) % 7
    morning = (city.post_doctor + s // 7 + dow) % 2 == 0
    step, shift = cal.SHIFT_STEP_MINUTES, cal.SHIFT_MINUTES
    latest = np.maximum(shift - length, 0) // step * step
    offset = np.minimum(np.round(np.maximum(stagger * shift - length / 2, 0) / step) * step, latest)
    offset = offset.astype(np.int32)
    opens, closes = cal.WEEKDAY_HOURS
    return np.where(morning, opens + offset, closes - length - offset)


def _duty_posts(city: City, s: int, kind: int, u: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Primary-care posts on duty on a day off: a share of all on a weekend; on a holiday as many, drawn
    from the duty polyclinics only (every head polyclinic, and branches by rota)."""
    primary = IS_PRIMARY[city.post_spec]
    if kind == WEEKEND:
        return primary & (u < cal.WEEKEND_DUTY_SHARE)
    on_duty = np.isin(city.fac_kind, (ADULT_HEAD, CHILD_HEAD))
    on_duty |= rng.random(len(city.fac_kind)) < cal.HOLIDAY_DUTY_BRANCH_SHARE
    at_duty_unit = primary & on_duty[city.post_fac]
    share = min(1.0, cal.WEEKEND_DUTY_SHARE * primary.sum() / max(at_duty_unit.sum(), 1))
    return at_duty_unit & (u < share)


def make_slots(city: City, s: int) -> dict[str, np.ndarray]:
    """The schedule of day s: which posts work, and their slots (working days 8:00-20:00 in two staggered
    shifts; weekends and holidays primary-care duty 9:00-15:00)."""
    rng = day_rng(city, s, P_WORK)
    kind = day_kind(s)
    active = (city.post_from <= s) & (s <= city.post_to)
    u = rng.random(len(city.post_doctor))
    stagger = rng.random(len(city.post_doctor))
    minutes = MINUTES[city.post_spec]
    if kind == WORKING:
        works = active & (u < 0.9)
        length = np.minimum(cal.SHIFT_MINUTES * city.post_rate, 720).astype(np.int32)
        length = length // minutes * minutes  # the minutes its slots fill
        start = _shift_starts(city, s, length, stagger)
    else:
        works = active & _duty_posts(city, s, kind, u, rng)
        opens, closes = cal.DUTY_HOURS
        length = np.full(len(city.post_doctor), closes - opens, dtype=np.int32)
        start = np.full(len(city.post_doctor), opens, dtype=np.int32)
    post = np.flatnonzero(works)
    n_slots = length[post] // minutes[post]
    post = np.repeat(post, n_slots)
    k = _ranks(post)
    dur = minutes[post]
    starts_min = start[post] + k * dur
    spec = city.post_spec[post]
    return {
        "post": post,
        "doctor": city.post_doctor[post] + 1,
        "fac": city.post_fac[post],
        "spec": spec,
        "key": city.post_fac[post].astype(np.int64) * NSPEC + spec,
        "starts": (s - ORD_1970) * DAY_S + starts_min.astype(np.int64) * 60,
        "dur": dur,
        "reserve": IS_PRIMARY[spec] & (k % cal.URGENT_RESERVE_EVERY == cal.URGENT_RESERVE_EVERY - 1),
    }


def _draw_patients(city: City, keys: np.ndarray, s: int, rng: np.random.Generator) -> np.ndarray:
    """A living resident of each key's catchment (-1 when the catchment is empty)."""
    start, length = city.catch_start[keys], city.catch_len[keys]
    out = np.full(len(keys), -1, dtype=np.int64)
    todo = np.flatnonzero(length > 0)
    for _ in range(4):  # the dead are redrawn; after a few tries the rare remainder is dropped
        if len(todo) == 0:
            break
        pick = city.catch_members[start[todo] + (rng.random(len(todo)) * length[todo]).astype(np.int64)]
        alive = city.pat_death[pick] > s
        out[todo[alive]] = pick[alive]
        todo = todo[~alive]
    return out


def planned_due(city: City, s: int) -> dict[str, np.ndarray]:
    """(patient, register) pairs with a planned visit on day s (working days only): the dispensary visits of
    observed patients and the yearly reviews of the others, at their phase of the cycle; and the diagnosing
    visit of each new case, on its onset day (or the next working day), after which its cycle starts."""
    if day_kind(s) != WORKING:
        empty = np.zeros(0, dtype=bool)
        return {
            "cond": np.zeros(0, dtype=np.int64),
            **dict.fromkeys(("is_start", "is_new", "is_kept", "is_stop"), empty),
        }
    w = int(working_day_index(s))
    w_epoch = int(working_day_index(city.epoch_ord))
    picks, cycles = [], []
    for cycle, offsets in city.cond_groups:
        ph = w % cycle
        picks.append(np.arange(offsets[ph], offsets[ph + 1]))
        cycles.append(np.full(len(picks[-1]), cycle))
    cond, cycle = np.concatenate(picks), np.concatenate(cycles)
    onset = city.cond_onset[cond]
    incident = onset >= city.epoch_ord
    end_w = working_day_index(city.cond_end[cond].astype(np.int64))  # NEVER maps far into the future
    ok = np.where(incident, w > working_day_index(np.maximum(onset, city.epoch_ord)), w >= w_epoch)
    ok &= (w - cycle < end_w) & _can_visit(city, cond, s)
    cond, cycle, incident, end_w = cond[ok], cycle[ok], incident[ok], end_w[ok]
    # a prevalent patient's first planned visit since the epoch starts observation in the data
    is_start = ~incident & (w - cycle < w_epoch)
    lo, hi = np.searchsorted(city.incident_w, [w, w + 1])
    new = city.incident_order[lo:hi]
    new = new[_can_visit(city, new, s)]
    ones, zeros = np.ones(len(new), bool), np.zeros(len(new), bool)
    return {
        "cond": np.concatenate([cond, new]),
        "is_start": np.concatenate([is_start, ones]),
        "is_new": np.concatenate([np.zeros(len(cond), bool), ones]),  # booked the same or the next day
        # visits that are kept (never cancelled or missed): a new case's diagnosing visit, and the
        # registering visit of a condition a dispensary registers (TB, HIV), without which the patient would
        # not be on its register
        "is_kept": np.concatenate([is_start & _ALWAYS_OBSERVED[city.cond_reg[cond]], ones]),
        "is_stop": np.concatenate([w >= end_w, zeros]),  # observation ends (cure) at this visit
    }


def _can_visit(city: City, cond: np.ndarray, s: int) -> np.ndarray:
    """The condition's patient is alive on day s and attached to a polyclinic (who plans the visits)."""
    patient = city.cond_patient[cond]
    return (city.pat_death[patient] > s) & (city.pat_fac[patient] >= 0)


def generate_day(city: City, s: int, full: bool = True) -> dict[str, dict[str, np.ndarray]]:
    """Events of service day s. With full=False only what happens before the day (publication, booking,
    cancellation) is made: enough for the look-ahead days past the end of a run.

    Nothing is clipped at the city's epoch: the slots of the first days were published, and many booked, in
    the weeks before it (the forward book the engine exports before the first day)."""
    out: dict[str, dict[str, np.ndarray]] = {}
    sl = make_slots(city, s)
    n_slots = len(sl["post"])
    sl["pub"] = (s - PUBLISH_AHEAD[sl["spec"]] - ORD_1970) * DAY_S + 6 * 3600
    sl["id"] = make_ids(s, "slot", n_slots)
    out["slot_published"] = {
        "event_id": make_ids(s, "slot_published", n_slots),
        "occurred_at": sl["pub"],
        "slot_id": sl["id"],
        "doctor_id": sl["doctor"],
        "facility_id": sl["fac"] + 1,
        "specialty_id": sl["spec"],
        "starts_at": sl["starts"],
        "duration_min": sl["dur"],
        "is_urgent_reserve": sl["reserve"],
    }
    b = _bookings(city, s, sl)
    b.update(_booking_times(city, s, sl, b))
    b["id"] = make_ids(s, "appointment", len(b["slot"]))
    out["appointment_booked"] = {
        "event_id": make_ids(s, "appointment_booked", len(b["slot"])),
        "occurred_at": b["at"],
        "appointment_id": b["id"],
        "slot_id": sl["id"][b["slot"]],
        "patient": b["pat"],
        "channel": b["channel"],
        "referral_id": np.zeros(len(b["slot"]), dtype=np.int64),  # null: see the module notes of engine.py
    }
    fu = np.flatnonzero(b["stay"] > 0)
    out["follow_up_booked"] = {
        "event_id": make_ids(s, "follow_up_booked", len(fu)),
        "occurred_at": b["at"][fu],
        "stay_id": b["stay"][fu],
        "appointment_id": b["id"][fu],
    }
    out["appointment_cancelled"] = _cancellations(city, s, b)
    if not full:
        return out
    outcomes, arrived = _outcomes(city, s, sl, b)
    out.update(outcomes)
    walk_ins = _with_referral_visits(city, s, sl, _walk_ins(city, s, sl, b, arrived))
    enc, out["encounter_closed"] = _encounters(city, s, sl, b, arrived, walk_ins)
    from services.simulator.clinical import clinical_events  # the diagnoses, prescriptions and referrals

    out.update(clinical_events(city, s, enc))
    out.update(hospital_events(city, s))
    return out


def _with_referral_visits(city: City, s: int, sl: dict, w: dict) -> dict[str, np.ndarray]:
    """The visits at which a polyclinic refers a patient for a planned admission: the patient comes to
    their district doctor (a walk-in to a doctor holding primary-care slots that day at the attached unit,
    else at its head, else anywhere in the city), who issues the referral the admission will name."""
    r = referral_visits(city, s)
    n = len(r["pat"])
    prim_idx = np.flatnonzero(IS_PRIMARY[sl["spec"]])
    w["href"] = np.zeros(len(w["slot"]), np.int64)
    w["href_to"] = np.zeros(len(w["slot"]), np.int16)
    if n == 0 or len(prim_idx) == 0:
        return w
    prim_idx = prim_idx[np.argsort(sl["key"][prim_idx], kind="stable")]
    keys = sl["key"][prim_idx]
    rng = day_rng(city, s, P_HREF)
    date_s = dt.date.fromordinal(s)
    child = (date_s.year * 12 + date_s.month - 1 - city.pat_birth_mi[r["pat"]]) // 12 < cal.ADULT_AGE
    spec = np.where(child, SPEC_INDEX["pediatrician"], SPEC_INDEX["therapist"])
    home = np.maximum(city.pat_fac[r["pat"]], 0)
    head = np.where(city.fac_parent[home] >= 0, city.fac_parent[home], home)
    u = rng.random(n)
    slot = prim_idx[(u * len(prim_idx)).astype(np.int64)]  # anywhere: the last resort
    for fac in (head, home):  # the attached unit wins over its head
        k = fac.astype(np.int64) * NSPEC + spec
        lo, hi = np.searchsorted(keys, k), np.searchsorted(keys, k, side="right")
        found = hi > lo
        slot = np.where(
            found, prim_idx[np.minimum(lo + (u * (hi - lo)).astype(np.int64), len(prim_idx) - 1)], slot
        )
    arrived = sl["starts"][slot] + (rng.random(n) * sl["dur"][slot] * 60).astype(np.int64)
    return {
        "slot": np.concatenate([w["slot"], slot]),
        "pat": np.concatenate([w["pat"], r["pat"]]),
        "arrived": np.concatenate([w["arrived"], arrived]),
        "urgent": np.concatenate([w["urgent"], np.zeros(n, bool)]),
        "href": np.concatenate([w["href"], r["referral_id"]]),
        "href_to": np.concatenate([w["href_to"], r["to"]]),
    }


def _planned_bookings(city: City, s: int, order, skey, free_count) -> dict[str, np.ndarray]:
    """Planned visits (dispensary and yearly reviews) take ordinary slots first: the register's own doctor
    (reviews: the district doctor), else the district doctor or GP of the home unit, else of its head.
    Then the follow-ups after a discharge from hospital, with the district doctor of the attached unit (else
    its GP, else the head's district doctor); one that finds no free slot is never booked."""
    n_keys = len(city.base_demand)
    due = planned_due(city, s)
    fu = follow_ups_due(city, s)
    n_planned, n_fu = len(due["cond"]), len(fu["pat"])
    dcond = np.concatenate([due["cond"], np.full(n_fu, -1, np.int64)])
    dpat = np.concatenate([city.cond_patient[due["cond"]].astype(np.int64), fu["pat"]])
    observed = np.concatenate([city.cond_observed[due["cond"]], np.zeros(n_fu, bool)])
    is_fu = np.r_[np.zeros(n_planned, bool), np.ones(n_fu, bool)]
    # ties within a key go by condition, then by the order of the follow-ups
    tie = np.where(is_fu, len(city.cond_patient) + np.arange(len(dcond)) - n_planned, dcond)
    date_s = dt.date.fromordinal(s)
    child = (date_s.year * 12 + date_s.month - 1 - city.pat_birth_mi[dpat]) // 12 < cal.ADULT_AGE
    district_doctor = np.where(child, SPEC_INDEX["pediatrician"], SPEC_INDEX["therapist"])
    gp = np.where(child, SPEC_INDEX["pediatrician"], SPEC_INDEX["general_practitioner"])
    reg_spec = np.array([SPEC_INDEX[r.specialty] for r in cal.REGISTERS])[city.cond_reg[np.maximum(dcond, 0)]]
    dspec = np.where(observed, reg_spec, district_doctor)
    dspec = np.where(child, SPEC_INDEX[cal.CHILD_REGISTER_SPECIALTY], dspec)
    dspec = np.where(is_fu, district_doctor, dspec)
    home = city.pat_fac[dpat]
    head = np.where(city.fac_parent[home] >= 0, city.fac_parent[home], home)
    dfac = np.where(child | IS_PRIMARY[dspec], home, head)
    key_first = np.searchsorted(skey, np.arange(n_keys) * 2)  # first ordinary slot of each key (sorted)
    n_taken = np.zeros(n_keys, dtype=np.int64)
    rows_parts, slot_parts = [], []
    todo = np.arange(len(dcond))
    for fac_r, spec_r in ((dfac, dspec), (home, district_doctor), (home, gp), (head, district_doctor)):
        k = fac_r[todo].astype(np.int64) * NSPEC + spec_r[todo]
        o = np.lexsort((tie[todo], k))
        ks = k[o]
        r = _ranks(ks) + n_taken[ks]
        ok = r < free_count[ks]
        rows_parts.append(todo[o[ok]])
        slot_parts.append(order[key_first[ks[ok]] + r[ok]])
        n_taken += np.bincount(ks[ok], minlength=n_keys)
        todo = np.sort(todo[o[~ok]])
    rows = np.concatenate(rows_parts)
    flags = {k: np.r_[due[f"is_{k}"], np.zeros(n_fu, bool)][rows] for k in ("start", "new", "kept", "stop")}
    stay = np.r_[np.zeros(n_planned, np.int64), fu["stay"]][rows]
    kind = np.where(observed[rows], KIND_DISPENSARY, KIND_REVIEW)
    return {
        "slot": np.concatenate(slot_parts),
        "kind": np.where(stay > 0, KIND_FOLLOW_UP, kind).astype(np.int8),
        "pat": dpat[rows],
        "cond": dcond[rows],
        **flags,
        "stay": stay,
        "fu_at": np.r_[np.zeros(n_planned, np.int64), fu["at"]][rows],
        "taken": n_taken,
    }


def _demand_by_specialty(s: int) -> np.ndarray:
    """Ordinary bookings of day s against base demand, by specialty: weekday, season, school surge."""
    kind = day_kind(s)
    factor = np.full(NSPEC, demand_factor(s))
    factor[IS_PRIMARY] *= 1 + cal.SEASON_DEMAND_BOOST * season_bump(s)
    (m0, d0), (m1, d1), surge = cal.SCHOOL_SURGE
    date_s = dt.date.fromordinal(s)
    if dt.date(date_s.year, m0, d0) <= date_s <= dt.date(date_s.year, m1, d1):
        factor[SPEC_INDEX["pediatrician"]] *= 1 + surge
    if kind != WORKING:
        factor[~IS_PRIMARY] = 0.0  # days off: primary-care duty only
    return factor


def _bookings(city: City, s: int, sl: dict) -> dict[str, np.ndarray]:
    """Which slots of day s are booked, of what kind, by whom: planned visits first, then ordinary demand up
    to the free slots, and the urgent reserve the same day."""
    rng = day_rng(city, s, P_DEMAND)
    n_slots, n_keys = len(sl["post"]), len(city.base_demand)
    order = np.lexsort((rng.random(n_slots), sl["reserve"], sl["key"]))
    skey = sl["key"][order] * 2 + sl["reserve"][order]
    rank = _ranks(skey)
    free_count = np.bincount(sl["key"][~sl["reserve"]], minlength=n_keys)
    planned = _planned_bookings(city, s, order, skey, free_count)
    taken = planned.pop("taken")

    lam = city.base_demand * _demand_by_specialty(s)[np.arange(n_keys) % NSPEC]
    n_gen_key = np.minimum(rng.poisson(lam), free_count - taken)
    ordinary_sel = (skey % 2 == 0) & (rank >= taken[skey // 2]) & (rank < (taken + n_gen_key)[skey // 2])
    ord_slot = order[ordinary_sel]
    # urgent reserve slots go the same day to callers and walk-up patients
    reserve_slot = np.flatnonzero(sl["reserve"])
    reserve_slot = reserve_slot[
        rng.random(len(reserve_slot)) < 0.8 * min(1.0, demand_factor(s) + season_bump(s) * 0.2)
    ]
    others = np.concatenate([ord_slot, reserve_slot])
    rng = day_rng(city, s, P_PATIENT)
    b = {
        "slot": np.concatenate([planned["slot"], others]),
        "kind": np.concatenate(
            [
                planned["kind"],
                np.full(len(ord_slot), KIND_ORDINARY, np.int8),
                np.full(len(reserve_slot), KIND_URGENT, np.int8),
            ]
        ),
        "pat": np.concatenate([planned["pat"], _draw_patients(city, sl["key"][others], s, rng)]),
        "cond": np.concatenate([planned["cond"], np.full(len(others), -1)]),
        "start": np.concatenate([planned["start"], np.zeros(len(others), bool)]),
        "new": np.concatenate([planned["new"], np.zeros(len(others), bool)]),
        "kept": np.concatenate([planned["kept"], np.zeros(len(others), bool)]),
        "stop": np.concatenate([planned["stop"], np.zeros(len(others), bool)]),
        "stay": np.concatenate([planned["stay"], np.zeros(len(others), np.int64)]),
        "fu_at": np.concatenate([planned["fu_at"], np.zeros(len(others), np.int64)]),
    }
    keep = b["pat"] >= 0
    return {k: v[keep] for k, v in b.items()}


def _booking_times(city: City, s: int, sl: dict, b: dict) -> dict[str, np.ndarray]:
    """When (lead in days, moment) and through which channel each booking was made."""
    rng = day_rng(city, s, P_BOOK)
    nb = len(b["slot"])
    day_s = (s - ORD_1970) * DAY_S
    spec, kind, starts = sl["spec"][b["slot"]], b["kind"], sl["starts"][b["slot"]]
    mean_lead = np.array([sp.mean_lead_days for sp in cal.SPECIALTIES])[spec]
    primary = IS_PRIMARY[spec]
    lead_primary = _choice(rng, cal.PRIMARY_LEAD_DAYS, nb)
    lead_spec = np.floor(rng.exponential(1.0, nb) * mean_lead).astype(np.int64)
    lead = np.where(primary, lead_primary, lead_spec)
    (p_lo, p_hi), (s_lo, s_hi) = cal.DISPENSARY_LEAD_DAYS["primary"], cal.DISPENSARY_LEAD_DAYS["specialist"]
    lo, hi = np.where(primary, p_lo, s_lo), np.where(primary, p_hi, s_hi)
    lead_disp = lo + (rng.random(nb) * (hi - lo + 1)).astype(np.int64)
    lead = np.where(kind == KIND_DISPENSARY, lead_disp, lead)
    lead = np.where(b["new"], rng.integers(0, 2, nb), lead)  # a new case is seen at once
    lead = np.where(kind == KIND_URGENT, 0, lead)
    lead = np.minimum(lead, PUBLISH_AHEAD[spec])
    tod = 7 * 3600 + (rng.random(nb) * 15 * 3600).astype(np.int64)
    same_day_tod = 7 * 3600 + (rng.random(nb) * np.maximum(starts - day_s - 7 * 3600 - 600, 60)).astype(
        np.int64
    )
    booked_at = day_s - lead * DAY_S + np.where(lead == 0, same_day_tod, tod)
    booked_at = np.maximum(booked_at, sl["pub"][b["slot"]])
    # the polyclinic books a follow-up the day before the visit, or within hours of a discharge after that
    fu = b["stay"] > 0
    eve = day_s - DAY_S + 9 * 3600 + (rng.random(nb) * 9 * 3600).astype(np.int64)
    booked_at = np.where(fu, np.maximum(np.maximum(b["fu_at"], eve), sl["pub"][b["slot"]]), booked_at)
    # nobody books for a baby before the month it is born in (the forward book reaches weeks back)
    birth_day = (city.pat_birth_mi[b["pat"]].astype(np.int64) - 1970 * 12).astype("datetime64[M]")
    booked_at = np.maximum(booked_at, birth_day.astype("datetime64[D]").astype(np.int64) * DAY_S)
    lead = np.where(fu, s - ORD_1970 - booked_at // DAY_S, lead)
    ch_ord = _choice(rng, list(cal.CHANNELS_ORDINARY.values()), nb)
    ch_spec = _choice(rng, list(cal.CHANNELS_SPECIALIST.values()), nb)
    ch_urg = _choice(rng, list(cal.CHANNELS_URGENT.values()), nb)
    ch_disp = _choice(rng, list(cal.CHANNELS_DISPENSARY.values()), nb)

    def _lut(d):
        return np.array([CHANNEL_INDEX[c] for c in d], dtype=np.int16)

    channel = np.where(primary, _lut(cal.CHANNELS_ORDINARY)[ch_ord], _lut(cal.CHANNELS_SPECIALIST)[ch_spec])
    channel = np.where(kind == KIND_URGENT, _lut(cal.CHANNELS_URGENT)[ch_urg], channel)
    channel = np.where(kind == KIND_DISPENSARY, _lut(cal.CHANNELS_DISPENSARY)[ch_disp], channel)
    channel = np.where(kind == KIND_FOLLOW_UP, CHANNEL_INDEX[cal.FOLLOW_UP_CHANNEL], channel)
    return {"lead": lead, "at": booked_at, "channel": channel, "starts": starts}


def _cancellations(city: City, s: int, b: dict) -> dict[str, np.ndarray]:
    """~3% of bookings cancelled, by the patient or the facility, between booking and slot; marks
    b["cancelled"]."""
    rng = day_rng(city, s, P_CANCEL)
    nb = len(b["slot"])
    b["cancelled"] = (rng.random(nb) < cal.CANCEL_RATE) & ~b["kept"]
    by_facility = rng.random(nb) < cal.CANCELLED_BY_FACILITY
    cancel_at = b["at"] + (rng.random(nb) * np.maximum(b["starts"] - b["at"] - 60, 1)).astype(np.int64)
    reason_p = rng.integers(0, 3, nb)
    reason_f = 3 + rng.integers(0, 2, nb)
    ci = np.flatnonzero(b["cancelled"])
    return {
        "event_id": make_ids(s, "appointment_cancelled", len(ci)),
        "occurred_at": cancel_at[ci],
        "appointment_id": b["id"][ci],
        "cancelled_by": by_facility[ci].astype(np.int16),
        "reason": np.where(by_facility[ci], reason_f[ci], reason_p[ci]).astype(np.int16),
    }


def _outcomes(city: City, s: int, sl: dict, b: dict) -> tuple[dict, np.ndarray]:
    """No-shows (by booking band and weekday) and attendances of the bookings not cancelled; marks
    b["attended"] and returns the arrival time of every booking."""
    rng = day_rng(city, s, P_OUTCOME)
    nb = len(b["slot"])
    band = np.searchsorted(np.array(cal.BAND_EDGES), b["lead"], side="right") - 1
    p_dna = np.array(cal.NO_SHOW_BY_BAND)[band] * cal.WEEKDAY_NO_SHOW[(s + 6) % 7]
    p_dna = np.where(b["kept"], 0.0, p_dna)
    no_show = ~b["cancelled"] & (rng.random(nb) < p_dna)
    b["attended"] = ~b["cancelled"] & ~no_show
    ni = np.flatnonzero(no_show)
    delay = np.minimum(rng.exponential(8 * 60, nb), 90 * 60).astype(np.int64) - 300
    arrived = b["starts"] + delay
    ai = np.flatnonzero(b["attended"])
    out = {
        "appointment_no_show": {
            "event_id": make_ids(s, "appointment_no_show", len(ni)),
            "occurred_at": b["starts"][ni] + sl["dur"][b["slot"][ni]] * 60,
            "appointment_id": b["id"][ni],
        },
        "appointment_attended": {
            "event_id": make_ids(s, "appointment_attended", len(ai)),
            "occurred_at": arrived[ai],
            "appointment_id": b["id"][ai],
        },
    }
    return out, arrived


def _walk_ins(city: City, s: int, sl: dict, b: dict, arrived: np.ndarray) -> dict[str, np.ndarray]:
    """Walk-ins to primary care: > 14% of its visits, more on Mondays and in the season; on days off a
    share of the duty slots. Each is seen by one of the doctors holding slots of that key that day."""
    rng = day_rng(city, s, P_WALKIN)
    n_keys = len(city.base_demand)
    bump = season_bump(s)
    is_prim_slot = IS_PRIMARY[sl["spec"]]
    prim_booked = np.bincount(sl["key"][b["slot"][b["attended"]]], minlength=n_keys).astype(float)
    prim_slots = np.bincount(sl["key"][is_prim_slot], minlength=n_keys).astype(float)
    if day_kind(s) == WORKING:
        lam_w = prim_booked * cal.WALK_IN_RATIO * (1 + 0.6 * bump) * demand_factor(s)
    else:
        lam_w = prim_slots * 0.35 * (1 + 0.6 * bump)
    lam_w[~IS_PRIMARY[np.arange(n_keys) % NSPEC]] = 0.0
    walk_key = np.repeat(np.arange(n_keys), rng.poisson(lam_w))
    prim_idx = np.flatnonzero(is_prim_slot)
    prim_idx = prim_idx[np.argsort(sl["key"][prim_idx], kind="stable")]
    first = np.searchsorted(sl["key"][prim_idx], walk_key)
    count = prim_slots[walk_key].astype(np.int64)
    w_slot = prim_idx[first + (rng.random(len(walk_key)) * count).astype(np.int64)]
    w_pat = _draw_patients(city, walk_key, s, rng)
    ok = w_pat >= 0
    w_slot, w_pat = w_slot[ok], w_pat[ok]
    return {
        "slot": w_slot,
        "pat": w_pat,
        "arrived": sl["starts"][w_slot] + (rng.random(len(w_slot)) * sl["dur"][w_slot] * 60).astype(np.int64),
        "urgent": rng.random(len(w_slot)) < 0.6,
    }


def _encounters(city: City, s: int, sl: dict, b: dict, arrived: np.ndarray, w: dict) -> tuple[dict, dict]:
    """The visits of the day (attended bookings and walk-ins): visit type, minutes, funding source.
    Returns (what the clinical step needs, the encounter_closed columns)."""
    rng = day_rng(city, s, P_ENCOUNTER)
    day_s = (s - ORD_1970) * DAY_S
    ai = np.flatnonzero(b["attended"])
    nw = len(w["slot"])
    e_slot = np.concatenate([b["slot"][ai], w["slot"]])
    e_pat = np.concatenate([b["pat"][ai], w["pat"]])
    e_walk = np.concatenate([np.zeros(len(ai), bool), np.ones(nw, bool)])
    e_kind = np.concatenate([b["kind"][ai], np.full(nw, KIND_ORDINARY, np.int8)])
    ne = len(e_slot)
    e_spec = sl["spec"][e_slot]
    mix = np.where(IS_PRIMARY[e_spec][:, None], cal.VISIT_MIX_PRIMARY, cal.VISIT_MIX_SPECIALIST)
    u = rng.random(ne)
    vt = np.where(u < mix[:, 0], VT_DISEASE, np.where(u < mix[:, 0] + mix[:, 1], VT_PREVENTIVE, VT_SCREENING))
    vt = np.where(e_kind == KIND_URGENT, VT_URGENT, vt)
    walk_urgent = np.concatenate([np.zeros(len(ai), bool), w["urgent"]])
    vt = np.where(e_walk, np.where(walk_urgent, VT_URGENT, VT_DISEASE), vt)
    vt = np.where(e_kind == KIND_DISPENSARY, VT_DISPENSARY, vt)
    vt = np.where(e_kind == KIND_REVIEW, VT_DISEASE, vt)  # a yearly review is a visit about the disease
    vt = np.where(e_kind == KIND_FOLLOW_UP, VT_DISEASE, vt)  # after a discharge: about the disease
    norm = MINUTES[e_spec].astype(float)
    minutes = (
        norm * np.where(vt == VT_PREVENTIVE, cal.PREVENTIVE_MINUTES_SHARE, 1.0) * rng.uniform(0.6, 1.3, ne)
    )
    minutes = np.clip(np.round(minutes), 3, 240).astype(np.int32)
    e_arrived = np.concatenate([arrived[ai], w["arrived"]])
    closed_at = np.minimum(e_arrived + minutes.astype(np.int64) * 60, day_s + DAY_S - 1)
    funding = _funding(city, e_pat, e_spec, vt, rng.random(ne))
    enc_ids = make_ids(s, "encounter", ne)
    columns = {
        "event_id": make_ids(s, "encounter_closed", ne),
        "occurred_at": closed_at,
        "encounter_id": enc_ids,
        "appointment_id": np.concatenate([b["id"][ai], np.zeros(nw, dtype=np.int64)]),
        "patient": e_pat,
        "doctor_id": sl["doctor"][e_slot],
        "facility_id": sl["fac"][e_slot] + 1,
        "specialty_id": e_spec,
        "visit_type": vt.astype(np.int16),
        "funding_source": funding.astype(np.int16),
        "is_walk_in": e_walk,
        "minutes": minutes,
    }
    enc = {
        "ids": enc_ids,
        "at": closed_at,
        "pat": e_pat,
        "spec": e_spec,
        "vt": vt,
        "cond": np.concatenate([b["cond"][ai], np.full(nw, -1)]),
        "start": np.concatenate([b["start"][ai], np.zeros(nw, bool)]),
        "stop": np.concatenate([b["stop"][ai], np.zeros(nw, bool)]),
        "doctor": sl["doctor"][e_slot],
        "bump": season_bump(s),
        "href": np.concatenate([np.zeros(len(ai), np.int64), w["href"]]),  # a referral for admission
        "href_to": np.concatenate([np.zeros(len(ai), np.int16), w["href_to"]]),
    }
    return enc, columns


def _funding(city: City, pat: np.ndarray, spec: np.ndarray, vt: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Who pays each visit: OMS, DMS for part of the visits of DMS holders, out of pocket for a few (and for
    the uninsured, whose urgent care the budget pays); TB and infectious-disease care is budget-funded."""
    ins = city.pat_ins[pat]
    funding = np.where((ins == 1) & (u < cal.DMS_VISIT_SHARE), FUNDING_INDEX["DMS"], FUNDING_INDEX["OMS"])
    funding = np.where((ins == 0) & (u > 1 - cal.PAID_VISIT_SHARE), FUNDING_INDEX["paid"], funding)
    funding = np.where(
        ins == 2, np.where(vt == VT_URGENT, FUNDING_INDEX["budget"], FUNDING_INDEX["paid"]), funding
    )
    budget_spec = np.isin(spec, [SPEC_INDEX["phthisiatrician"], SPEC_INDEX["infectious_disease"]])
    return np.where(budget_spec, FUNDING_INDEX["budget"], funding)
