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
    IS_PRIMARY,
    MINUTES,
    NSPEC,
    ORD_1970,
    PUBLISH_AHEAD,
    SPEC_INDEX,
    City,
    weekday_index,
)
from services.simulator.codes import (
    CHANNEL_INDEX,
    FUNDING_INDEX,
    VISIT_INDEX,
    make_ids,
)

DAY_S = 86_400
# purposes of the per-day random streams (clinical.py uses 21-24); each stage draws from its own stream, so
# the look-ahead days that stop after booking draw exactly what a full day would
P_WORK, P_DEMAND, P_BOOK, P_PATIENT, P_CANCEL, P_OUTCOME, P_WALKIN, P_ENCOUNTER = range(1, 9)
DISPENSE_MAX_DELAY = 7  # days: the engine regenerates this many days before a run for their dispensing
VT_DISEASE, VT_PREVENTIVE, VT_DISPENSARY, VT_URGENT, VT_SCREENING = (
    VISIT_INDEX[v] for v in ("disease", "preventive", "dispensary", "urgent", "screening")
)
KIND_ORDINARY, KIND_DISPENSARY, KIND_URGENT = 0, 1, 2


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


def make_slots(city: City, s: int) -> dict[str, np.ndarray]:
    """The schedule of day s: which posts work, and their slots (weekdays 8-20, weekend duty 9-15)."""
    rng = day_rng(city, s, P_WORK)
    dow = (s + 6) % 7
    n_posts = len(city.post_doctor)
    active = (city.post_from <= s) & (s <= city.post_to)
    u = rng.random(n_posts)
    primary = IS_PRIMARY[city.post_spec]
    minutes = MINUTES[city.post_spec]
    if dow < 5:
        works = active & (u < 0.9)
        length = np.minimum(360 * city.post_rate, 720).astype(np.int32)
        morning = (city.post_doctor + s // 7 + dow) % 2 == 0
        start = np.where(morning, 8 * 60, 20 * 60 - length)
    else:
        works = active & primary & (u < 0.12)
        length = np.full(n_posts, 360, dtype=np.int32)
        start = np.full(n_posts, 9 * 60, dtype=np.int32)
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


def dispensary_due(city: City, s: int) -> dict[str, np.ndarray]:
    """(patient, register) pairs whose planned dispensary visit falls on day s (weekdays only)."""
    if (s + 6) % 7 >= 5:
        empty = np.zeros(0, dtype=bool)
        return {"cond": np.zeros(0, dtype=np.int64), "is_start": empty, "is_stop": empty}
    w = int(weekday_index(s))
    w_epoch = int(weekday_index(city.epoch_ord))
    picks = []
    for ri in range(len(cal.REGISTERS)):
        offsets = city.cond_slices[ri]
        tw = len(offsets) - 1
        ph = w % tw
        picks.append(np.arange(offsets[ph], offsets[ph + 1]))
    cond = np.concatenate(picks)
    reg = city.cond_reg[cond]
    tw = np.array([len(city.cond_slices[r]) - 1 for r in range(len(cal.REGISTERS))])[reg]
    first_w = weekday_index(np.maximum(city.cond_onset[cond], city.epoch_ord))
    first_w = np.maximum(first_w, w_epoch)
    end_w = weekday_index(city.cond_end[cond].astype(np.int64))  # NEVER maps far into the future
    patient = city.cond_patient[cond]
    ok = (w >= first_w) & (w - tw < end_w) & (city.pat_death[patient] > s) & (city.pat_fac[patient] >= 0)
    cond, tw, first_w, end_w = cond[ok], tw[ok], first_w[ok], end_w[ok]
    return {
        "cond": cond,
        "is_start": w - tw < first_w,  # the first planned visit since the epoch (or the onset)
        "is_stop": w >= end_w,  # observation ends (cure) at this visit
    }


def generate_day(city: City, s: int, full: bool = True) -> dict[str, dict[str, np.ndarray]]:
    """Events of service day s. With full=False only what happens before the day (publication, booking,
    cancellation) is made: enough for the look-ahead days past the end of a run."""
    out: dict[str, dict[str, np.ndarray]] = {}
    epoch_ord = city.epoch_ord
    epoch_s = (epoch_ord - ORD_1970) * DAY_S
    day_s = (s - ORD_1970) * DAY_S
    dow = (s + 6) % 7
    bump = season_bump(s)

    # --- slots and their publication ------------------------------------------------------------------
    sl = make_slots(city, s)
    n_slots = len(sl["post"])
    pub = (s - PUBLISH_AHEAD[sl["spec"]] - ORD_1970) * DAY_S + 6 * 3600
    pub = np.maximum(pub, epoch_s)
    slot_ids = make_ids(s, "slot", n_slots)
    out["slot_published"] = {
        "event_id": make_ids(s, "slot_published", n_slots),
        "occurred_at": pub,
        "slot_id": slot_ids,
        "doctor_id": sl["doctor"],
        "facility_id": sl["fac"] + 1,
        "specialty_id": sl["spec"],
        "starts_at": sl["starts"],
        "duration_min": sl["dur"],
        "is_urgent_reserve": sl["reserve"],
    }

    # --- which slots are booked, by whom --------------------------------------------------------------
    rng = day_rng(city, s, P_DEMAND)
    order = np.lexsort((rng.random(n_slots), sl["reserve"], sl["key"]))
    skey = sl["key"][order] * 2 + sl["reserve"][order]
    rank = _ranks(skey)
    n_keys = len(city.base_demand)
    free_count = np.bincount(sl["key"][~sl["reserve"]], minlength=n_keys)

    # dispensary visits take ordinary slots first
    due = dispensary_due(city, s)
    dcond = due["cond"]
    dpat = city.cond_patient[dcond].astype(np.int64)
    dreg = city.cond_reg[dcond]
    age = (
        dt.date.fromordinal(s).year * 12 + dt.date.fromordinal(s).month - 1 - city.pat_birth_mi[dpat]
    ) // 12
    child = age < cal.ADULT_AGE
    reg_spec = np.array([SPEC_INDEX[r.specialty] for r in cal.REGISTERS])[dreg]
    dspec = np.where(child, SPEC_INDEX[cal.CHILD_REGISTER_SPECIALTY], reg_spec)
    home = city.pat_fac[dpat]
    head = np.where(city.fac_parent[home] >= 0, city.fac_parent[home], home)
    dfac = np.where(child | IS_PRIMARY[dspec], home, head)
    key_first = np.searchsorted(skey, np.arange(n_keys) * 2)  # first ordinary slot of each key (sorted)
    n_disp_key = np.zeros(n_keys, dtype=np.int64)
    rows_parts, slot_parts = [], []
    # the register's own doctor first; when that unit has no free slot the district doctor sees the patient
    district_doctor = np.where(child, SPEC_INDEX["pediatrician"], SPEC_INDEX["therapist"])
    gp = np.where(child, SPEC_INDEX["pediatrician"], SPEC_INDEX["general_practitioner"])
    todo = np.arange(len(dcond))
    for fac_r, spec_r in ((dfac, dspec), (home, district_doctor), (home, gp), (head, district_doctor)):
        k = fac_r[todo].astype(np.int64) * NSPEC + spec_r[todo]
        o = np.lexsort((dcond[todo], k))
        ks = k[o]
        r = _ranks(ks) + n_disp_key[ks]
        ok = r < free_count[ks]
        rows_parts.append(todo[o[ok]])
        slot_parts.append(order[key_first[ks[ok]] + r[ok]])
        n_disp_key += np.bincount(ks[ok], minlength=n_keys)
        todo = np.sort(todo[o[~ok]])
    disp_rows = np.concatenate(rows_parts)
    disp_slot = np.concatenate(slot_parts)

    # ordinary demand fills the rest, up to the free slots
    spec_of_key = np.arange(n_keys) % NSPEC
    factor = np.full(NSPEC, cal.WEEKDAY_DEMAND[dow])
    factor[IS_PRIMARY] *= 1 + cal.SEASON_DEMAND_BOOST * bump
    peds = SPEC_INDEX["pediatrician"]
    (m0, d0), (m1, d1), surge = cal.SCHOOL_SURGE
    date_s = dt.date.fromordinal(s)
    if dt.date(date_s.year, m0, d0) <= date_s <= dt.date(date_s.year, m1, d1):
        factor[peds] *= 1 + surge
    if dow >= 5:
        factor[~IS_PRIMARY] = 0.0
    lam = city.base_demand * factor[spec_of_key]
    n_gen_key = np.minimum(rng.poisson(lam), free_count - n_disp_key)
    ordinary_sel = (
        (skey % 2 == 0) & (rank >= n_disp_key[skey // 2]) & (rank < (n_disp_key + n_gen_key)[skey // 2])
    )
    ord_slot = order[ordinary_sel]
    # urgent reserve slots go the same day to callers and walk-up patients
    reserve_slot = np.flatnonzero(sl["reserve"])
    reserve_slot = reserve_slot[
        rng.random(len(reserve_slot)) < 0.8 * min(1.0, cal.WEEKDAY_DEMAND[dow] + bump * 0.2)
    ]

    b_slot = np.concatenate([disp_slot, ord_slot, reserve_slot])
    b_kind = np.concatenate(
        [
            np.full(len(disp_slot), KIND_DISPENSARY),
            np.full(len(ord_slot), KIND_ORDINARY),
            np.full(len(reserve_slot), KIND_URGENT),
        ]
    ).astype(np.int8)
    rng = day_rng(city, s, P_PATIENT)
    b_pat = np.concatenate(
        [dpat[disp_rows], _draw_patients(city, sl["key"][np.concatenate([ord_slot, reserve_slot])], s, rng)]
    )
    b_cond = np.concatenate([dcond[disp_rows], np.full(len(ord_slot) + len(reserve_slot), -1)])
    b_start = np.concatenate([due["is_start"][disp_rows], np.zeros(len(ord_slot) + len(reserve_slot), bool)])
    b_stop = np.concatenate([due["is_stop"][disp_rows], np.zeros(len(ord_slot) + len(reserve_slot), bool)])
    keep = b_pat >= 0
    b_slot, b_kind, b_pat, b_cond, b_start, b_stop = (
        a[keep] for a in (b_slot, b_kind, b_pat, b_cond, b_start, b_stop)
    )
    nb = len(b_slot)
    b_spec = sl["spec"][b_slot]
    b_starts = sl["starts"][b_slot]

    # --- when and how it was booked ------------------------------------------------------------------
    rng = day_rng(city, s, P_BOOK)
    mean_lead = np.array([sp.mean_lead_days for sp in cal.SPECIALTIES])[b_spec]
    primary = IS_PRIMARY[b_spec]
    lead_primary = _choice(rng, (0.55, 0.33, 0.05, 0.03, 0.02, 0.01, 0.005, 0.005), nb)
    lead_spec = np.floor(rng.exponential(1.0, nb) * mean_lead).astype(np.int64)
    lead = np.where(primary, lead_primary, lead_spec)
    lead_disp = 7 + (rng.random(nb) * (PUBLISH_AHEAD[b_spec] - 7)).astype(np.int64)
    lead = np.where(b_kind == KIND_DISPENSARY, np.where(b_start, rng.integers(0, 2, nb), lead_disp), lead)
    lead = np.where(b_kind == KIND_URGENT, 0, lead)
    lead = np.minimum(np.minimum(lead, PUBLISH_AHEAD[b_spec]), s - epoch_ord)  # nothing before the epoch
    book_day_s = day_s - lead * DAY_S
    tod = 7 * 3600 + (rng.random(nb) * 15 * 3600).astype(np.int64)
    same_day_tod = 7 * 3600 + (rng.random(nb) * np.maximum(b_starts - day_s - 7 * 3600 - 600, 60)).astype(
        np.int64
    )
    booked_at = book_day_s + np.where(lead == 0, same_day_tod, tod)
    booked_at = np.maximum(booked_at, pub[b_slot])
    ch_ord = _choice(rng, list(cal.CHANNELS_ORDINARY.values()), nb)
    ch_spec = _choice(rng, list(cal.CHANNELS_SPECIALIST.values()), nb)
    ch_urg = _choice(rng, list(cal.CHANNELS_URGENT.values()), nb)
    ch_disp = _choice(rng, list(cal.CHANNELS_DISPENSARY.values()), nb)

    def _lut(d):
        return np.array([CHANNEL_INDEX[c] for c in d], dtype=np.int16)

    channel = np.where(primary, _lut(cal.CHANNELS_ORDINARY)[ch_ord], _lut(cal.CHANNELS_SPECIALIST)[ch_spec])
    channel = np.where(b_kind == KIND_URGENT, _lut(cal.CHANNELS_URGENT)[ch_urg], channel)
    channel = np.where(b_kind == KIND_DISPENSARY, _lut(cal.CHANNELS_DISPENSARY)[ch_disp], channel)
    appt_ids = make_ids(s, "appointment", nb)
    out["appointment_booked"] = {
        "event_id": make_ids(s, "appointment_booked", nb),
        "occurred_at": booked_at,
        "appointment_id": appt_ids,
        "slot_id": slot_ids[b_slot],
        "patient": b_pat,
        "channel": channel,
        "referral_id": np.zeros(nb, dtype=np.int64),  # null: see the module notes of engine.py
    }

    # --- cancellations: ~3%, by the patient or the facility, between booking and slot ------------------
    rng = day_rng(city, s, P_CANCEL)
    cancelled = (rng.random(nb) < cal.CANCEL_RATE) & ~((b_kind == KIND_DISPENSARY) & b_start)
    by_facility = rng.random(nb) < cal.CANCELLED_BY_FACILITY
    cancel_at = booked_at + (rng.random(nb) * np.maximum(b_starts - booked_at - 60, 1)).astype(np.int64)
    reason_p = rng.integers(0, 3, nb)
    reason_f = 3 + rng.integers(0, 2, nb)
    ci = np.flatnonzero(cancelled)
    out["appointment_cancelled"] = {
        "event_id": make_ids(s, "appointment_cancelled", len(ci)),
        "occurred_at": cancel_at[ci],
        "appointment_id": appt_ids[ci],
        "cancelled_by": by_facility[ci].astype(np.int16),
        "reason": np.where(by_facility[ci], reason_f[ci], reason_p[ci]).astype(np.int16),
    }
    if not full:
        return out

    # --- the day itself: attendance and no-shows ------------------------------------------------------
    rng = day_rng(city, s, P_OUTCOME)
    band = np.searchsorted(np.array(cal.BAND_EDGES), lead, side="right") - 1
    p_dna = np.array(cal.NO_SHOW_BY_BAND)[band] * cal.WEEKDAY_NO_SHOW[dow]
    p_dna = np.where((b_kind == KIND_DISPENSARY) & b_start, 0.0, p_dna)
    no_show = ~cancelled & (rng.random(nb) < p_dna)
    attended = ~cancelled & ~no_show
    ni = np.flatnonzero(no_show)
    out["appointment_no_show"] = {
        "event_id": make_ids(s, "appointment_no_show", len(ni)),
        "occurred_at": b_starts[ni] + sl["dur"][b_slot[ni]] * 60,
        "appointment_id": appt_ids[ni],
    }
    delay = np.minimum(rng.exponential(8 * 60, nb), 90 * 60).astype(np.int64) - 300
    arrived = b_starts + delay
    ai = np.flatnonzero(attended)
    out["appointment_attended"] = {
        "event_id": make_ids(s, "appointment_attended", len(ai)),
        "occurred_at": arrived[ai],
        "appointment_id": appt_ids[ai],
    }

    # --- walk-ins to primary care: > 14% of its visits, more on Mondays and in the season ------------
    rng = day_rng(city, s, P_WALKIN)
    is_prim_slot = IS_PRIMARY[sl["spec"]]
    prim_booked = np.bincount(sl["key"][b_slot[ai]], minlength=n_keys).astype(float)
    prim_slots = np.bincount(sl["key"][is_prim_slot], minlength=n_keys).astype(float)
    if dow < 5:
        lam_w = prim_booked * cal.WALK_IN_RATIO * (1 + 0.6 * bump) * cal.WEEKDAY_DEMAND[dow]
    else:
        lam_w = prim_slots * 0.35 * (1 + 0.6 * bump)
    lam_w[~IS_PRIMARY[spec_of_key]] = 0.0
    n_walk = rng.poisson(lam_w)
    walk_key = np.repeat(np.arange(n_keys), n_walk)
    # a walk-in is seen by one of the doctors holding slots of that key that day
    prim_idx = np.flatnonzero(is_prim_slot)
    prim_idx = prim_idx[np.argsort(sl["key"][prim_idx], kind="stable")]
    first = np.searchsorted(sl["key"][prim_idx], walk_key)
    count = prim_slots[walk_key].astype(np.int64)
    w_slot = prim_idx[first + (rng.random(len(walk_key)) * count).astype(np.int64)]
    w_pat = _draw_patients(city, walk_key, s, rng)
    ok = w_pat >= 0
    w_slot, w_pat = w_slot[ok], w_pat[ok]
    w_arrived = sl["starts"][w_slot] + (rng.random(len(w_slot)) * sl["dur"][w_slot] * 60).astype(np.int64)
    w_urgent = rng.random(len(w_slot)) < 0.6

    # --- encounters -----------------------------------------------------------------------------------
    rng = day_rng(city, s, P_ENCOUNTER)
    e_slot = np.concatenate([b_slot[ai], w_slot])
    e_pat = np.concatenate([b_pat[ai], w_pat])
    e_appt = np.concatenate([appt_ids[ai], np.zeros(len(w_slot), dtype=np.int64)])
    e_walk = np.concatenate([np.zeros(len(ai), bool), np.ones(len(w_slot), bool)])
    e_kind = np.concatenate([b_kind[ai], np.full(len(w_slot), KIND_ORDINARY, np.int8)])
    e_cond = np.concatenate([b_cond[ai], np.full(len(w_slot), -1)])
    e_start = np.concatenate([b_start[ai], np.zeros(len(w_slot), bool)])
    e_stop = np.concatenate([b_stop[ai], np.zeros(len(w_slot), bool)])
    e_arrived = np.concatenate([arrived[ai], w_arrived])
    ne = len(e_slot)
    e_spec = sl["spec"][e_slot]
    e_primary = IS_PRIMARY[e_spec]
    mix = np.where(e_primary[:, None], cal.VISIT_MIX_PRIMARY, cal.VISIT_MIX_SPECIALIST)
    u = rng.random(ne)
    vt = np.where(u < mix[:, 0], VT_DISEASE, np.where(u < mix[:, 0] + mix[:, 1], VT_PREVENTIVE, VT_SCREENING))
    vt = np.where(e_kind == KIND_URGENT, VT_URGENT, vt)
    vt = np.where(
        e_walk, np.where(np.concatenate([np.zeros(len(ai), bool), w_urgent]), VT_URGENT, VT_DISEASE), vt
    )
    vt = np.where(e_kind == KIND_DISPENSARY, VT_DISPENSARY, vt)
    norm = MINUTES[e_spec].astype(float)
    minutes = (
        norm * np.where(vt == VT_PREVENTIVE, cal.PREVENTIVE_MINUTES_SHARE, 1.0) * rng.uniform(0.6, 1.3, ne)
    )
    minutes = np.clip(np.round(minutes), 3, 240).astype(np.int32)
    closed_at = np.minimum(e_arrived + minutes.astype(np.int64) * 60, day_s + DAY_S - 1)
    ins = city.pat_ins[e_pat]
    u = rng.random(ne)
    funding = np.where(
        ins == 1, np.where(u < 0.35, FUNDING_INDEX["DMS"], FUNDING_INDEX["OMS"]), FUNDING_INDEX["OMS"]
    )
    funding = np.where((ins == 0) & (u > 0.97), FUNDING_INDEX["paid"], funding)
    funding = np.where(
        ins == 2, np.where(vt == VT_URGENT, FUNDING_INDEX["budget"], FUNDING_INDEX["paid"]), funding
    )
    budget_spec = np.isin(e_spec, [SPEC_INDEX["phthisiatrician"], SPEC_INDEX["infectious_disease"]])
    funding = np.where(budget_spec, FUNDING_INDEX["budget"], funding)
    enc_ids = make_ids(s, "encounter", ne)
    out["encounter_closed"] = {
        "event_id": make_ids(s, "encounter_closed", ne),
        "occurred_at": closed_at,
        "encounter_id": enc_ids,
        "appointment_id": e_appt,
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
        "cond": e_cond,
        "start": e_start,
        "stop": e_stop,
        "doctor": sl["doctor"][e_slot],
        "bump": bump,
    }
    from services.simulator.clinical import clinical_events  # the diagnoses, prescriptions and referrals

    out.update(clinical_events(city, s, enc))
    return out
