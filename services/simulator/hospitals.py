"""The city's hospitals and its residents' stays in them (issue 14): admissions, transfers, discharges, the
planned admissions polyclinics refer, and the follow-ups they book after a discharge.

Hospitals and departments are static (a pure function of the city, like the polyclinics); beds are sized
from the stays themselves, so a department runs at the calibrated occupancy (`cal.BED_OCCUPANCY`).

Stays are drawn in blocks of `BLOCK_DAYS` days: the stays whose index admission falls in block b are a pure
function of (seed, b) and the static city, with their transfers, discharge, linked readmission, transfer to
another hospital, referral day and follow-up plan. Any service day can therefore find its hospital events by
looking at the blocks around it (cached per process), which keeps the day generator stateless: a continued
run equals one long run, whatever the number of workers.

Stays come from streams (`_streams`): the avoidable (ambulatory-care-sensitive) admissions of `ACSC_STREAMS`,
drawn from register patients, twice as often without dispensary observation; births; general admissions by
age; and the terminal stays of the residents who die in hospital (their date of death is the city's, so the
patients snapshot agrees). A city starts with its hospitals occupied: stays admitted before the epoch and
still in hospital on it are exported on the epoch's partitions before it (the forward book).

Known simplifications: a patient's stays drawn in different blocks may overlap (rarely; within a block they
do not); a patient in hospital may still have outpatient events; ages are those at the epoch.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from services.contract import (
    ADMISSION_SOURCES,
    ADMISSION_TYPES,
    BED_PROFILES,
    DISCHARGE_OUTCOMES,
    HOSPITAL_KINDS,
)
from services.simulator import calibration as cal
from services.simulator.codes import HOSPITAL_ICD_INDEX, make_ids
from services.simulator.workdays import WORKING, kinds_of_days, working_day_index, working_day_ordinal

DAY_S = 86_400
ORD_1970 = dt.date(1970, 1, 1).toordinal()
BLOCK_DAYS = 28
# a block's stays have events from MAX_LOS + referral wait before its first day to a linked readmission's
# follow-up after its last: the blocks a day looks at
BLOCKS_BACK, BLOCKS_AHEAD = 7, 5
CACHED_BLOCKS = 2 * (BLOCKS_BACK + BLOCKS_AHEAD)
P_BLOCK = (
    31  # purpose of a block's random stream (its key is [seed, block, purpose]: no day has a so low ordinal)
)

PROFILE_INDEX = {p: i for i, p in enumerate(BED_PROFILES)}
_PROFILE = {p.profile: p for p in cal.BED_PROFILE_STAYS}
ALOS = np.array([_PROFILE[p].alos_days for p in BED_PROFILES])
EM_SHARE = np.array([_PROFILE[p].emergency_share for p in BED_PROFILES])
PLANNED, EMERGENCY = (ADMISSION_TYPES.index(t) for t in ("planned", "emergency"))
SRC_REFERRAL, SRC_AMBULANCE, SRC_SELF, SRC_TRANSFER = (
    ADMISSION_SOURCES.index(s) for s in ("referral", "ambulance", "self_referral", "hospital_transfer")
)
HOME, OTHER_HOSPITAL, DIED = (DISCHARGE_OUTCOMES.index(o) for o in ("home", "other_hospital", "died"))
MULTI, SPECIALISED, CHILDREN = (HOSPITAL_KINDS.index(k) for k in ("multi_profile", "specialised", "children"))
_TRANSFERABLE = np.isin(np.array(BED_PROFILES), ["therapeutic", "surgical", "cardiology", "neurology"])
_HOSPITAL_NAMES = {
    MULTI: "City clinical hospital No. {n}",
    CHILDREN: "Children's city clinical hospital No. {n}",
    "maternity": "Perinatal centre No. {n}",
    "infectious": "Infectious clinical hospital No. {n}",
    "oncology": "Oncology centre No. {n}",
    "cardiology": "Cardiology centre No. {n}",
}


def _codes(pairs) -> tuple[np.ndarray, np.ndarray]:
    """(hospital ICD-10 code indices, cumulative probabilities) of weighted code pairs."""
    w = np.array([p for _, p in pairs], dtype=float)
    return np.array([HOSPITAL_ICD_INDEX[c] for c, _ in pairs], np.int16), np.cumsum(w / w.sum())


def _pick(rng: np.random.Generator, lut: tuple[np.ndarray, np.ndarray], n: int) -> np.ndarray:
    codes, cum = lut
    return codes[np.minimum(np.searchsorted(cum, rng.random(n), side="right"), len(codes) - 1)]


_EM_CODES = [_codes(_PROFILE[p].emergency_codes) for p in BED_PROFILES]
_PL_CODES = [_codes(_PROFILE[p].planned_codes) for p in BED_PROFILES]
_SECONDARY = _codes(cal.SECONDARY_CODES)
_REFER_TO = np.array([cal.SPECIALTY_IDS.index(_PROFILE[p].refer_to) for p in BED_PROFILES], np.int16)
_WAIT_STD = np.array(
    [cal.PLANNED_WAIT_STANDARD_WD.get(p, cal.PLANNED_WAIT_STANDARD_DEFAULT_WD) for p in BED_PROFILES]
)


def season_factor(days: np.ndarray) -> np.ndarray:
    """Emergency admissions of each day against the year's mean: higher in the respiratory season."""
    from services.simulator.day import season_bump

    bump = np.array([season_bump(int(d)) for d in days])
    return 1 + cal.HOSPITAL_WINTER_AMPLITUDE * (bump - _mean_bump())


@lru_cache(maxsize=1)
def _mean_bump() -> float:
    from services.simulator.day import season_bump

    base = dt.date(2025, 1, 1).toordinal()
    return float(np.mean([season_bump(base + d) for d in range(365)]))


@dataclass
class Stream:
    """Admissions of one kind: who (members, drawn by cumulative weight), how many a year, which type,
    the profile (-1: by the patient's age and sex) and the diagnoses (None: by profile)."""

    members: np.ndarray
    cum: np.ndarray
    per_year: float
    adm_type: int
    profile: int
    codes: tuple[np.ndarray, np.ndarray] | None


@dataclass
class Hospitals:
    kind: np.ndarray
    okrug: np.ndarray
    district: np.ndarray
    names: list[str]
    dept_hosp: np.ndarray
    dept_profile: np.ndarray
    dept_names: list[str]
    dept_from: np.ndarray  # first day of the department's beds (ordinal)
    dept_change: np.ndarray  # day its beds change (ordinal; NEVER: no change)
    # candidates by profile: departments sorted by okrug, with each okrug's slice
    cand: list[tuple[np.ndarray, np.ndarray, np.ndarray]]
    alt_start: np.ndarray  # other transferable departments of the same hospital, per department
    alt_len: np.ndarray
    alt: np.ndarray
    streams: list[Stream]
    terminal: np.ndarray  # the resident dies in hospital (if they die within the horizon)
    terminal_los: np.ndarray
    free_until: np.ndarray  # last day + 1 a resident may be discharged from an ordinary stay
    # the departments the contract shows: each unit above (hospital x profile) split into departments of at
    # most DEPARTMENT_MAX_BEDS beds; a stay goes to one of its unit's by its id (`department_of`)
    unit_first_dept: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    unit_depts: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    dept_unit: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    dept_beds: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    dept_beds_after: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    dept_labels: list[str] = field(default_factory=list)
    cache: dict = field(default_factory=dict)


def build_hospitals(city) -> Hospitals:
    """The hospitals, their departments, the admission streams; then the beds, from the first year's stays."""
    h = _network(city)
    h.streams = _streams(city)
    city.hospitals = h
    _size_beds(city, h)
    return h


def _spread(rng: np.random.Generator, total: int, okrug_pop: np.ndarray) -> np.ndarray:
    """The okrug of each of `total` hospitals: by population, at most one per okrug while there are fewer."""
    from services.simulator.city import _largest_remainder

    if total >= len(okrug_pop):
        per = _largest_remainder(total, okrug_pop)
    else:
        per = np.zeros(len(okrug_pop), np.int64)
        per[rng.choice(len(okrug_pop), total, replace=False, p=okrug_pop / okrug_pop.sum())] = 1
    return np.repeat(np.arange(len(okrug_pop)), per)


def _network(city) -> Hospitals:
    from services.simulator.city import NEVER, city_rng

    rng = city_rng(city.seed, 20)
    okrug_pop = np.array([o[3] for o in cal.OKRUGS], dtype=float)
    counts = {k: int(round(n * city.scale)) for k, n in cal.HOSPITAL_COUNTS.items()}
    counts["multi_profile"] = max(counts["multi_profile"], 1)
    counts["children"] = max(counts["children"], 1)
    spec_profiles = [
        cal.SPECIALISED_PROFILES[i % len(cal.SPECIALISED_PROFILES)] for i in range(counts["specialised"])
    ]
    kinds, okrugs, profiles = [], [], []
    for kind_name in ("multi_profile", "specialised", "children"):
        oks = _spread(rng, counts[kind_name], okrug_pop)
        kinds += [HOSPITAL_KINDS.index(kind_name)] * len(oks)
        okrugs += list(oks)
    multi_profiles = list(cal.MULTI_PROFILE_PROFILES) + [
        p
        for p in dict.fromkeys(cal.SPECIALISED_PROFILES)
        if p not in spec_profiles and p not in cal.MULTI_PROFILE_PROFILES
    ]
    names, numbers, si = [], {}, 0
    for k in kinds:
        if k == MULTI:
            profiles.append(multi_profiles)
            key = MULTI
        elif k == CHILDREN:
            profiles.append(list(cal.CHILDREN_PROFILES))
            key = CHILDREN
        else:
            key = spec_profiles[si]
            profiles.append([key])
            si += 1
        numbers[key] = numbers.get(key, 0) + 1
        names.append(_HOSPITAL_NAMES[key].format(n=numbers[key]))
    okrug = np.array(okrugs, np.int16)
    district = np.array([rng.choice(np.flatnonzero(city.district_okrug == o)) for o in okrug], np.int32)
    dept_hosp = np.repeat(np.arange(len(kinds)), [len(p) for p in profiles]).astype(np.int32)
    dept_profile = np.array([PROFILE_INDEX[p] for ps in profiles for p in ps], np.int8)
    n_dept = len(dept_hosp)
    dept_names = [f"{BED_PROFILES[p].capitalize()} department" for p in dept_profile]
    dept_from = (city.epoch_ord - 30 - rng.integers(0, 7300, n_dept)).astype(np.int32)
    changes = rng.random(n_dept) < cal.DEPARTMENT_BED_CHANGE_SHARE
    dept_change = np.where(changes, city.epoch_ord + rng.integers(1, 3 * 365, n_dept), NEVER).astype(np.int32)
    cand = []
    for pi in range(len(BED_PROFILES)):
        ds = np.flatnonzero(dept_profile == pi)
        ds = ds[np.lexsort((ds, okrug[dept_hosp[ds]]))]
        per = np.bincount(okrug[dept_hosp[ds]], minlength=len(okrug_pop))
        cand.append((ds, np.concatenate([[0], np.cumsum(per)[:-1]]), per))
    alts = [
        np.flatnonzero((dept_hosp == dept_hosp[d]) & (np.arange(n_dept) != d) & _TRANSFERABLE[dept_profile])
        if _TRANSFERABLE[dept_profile[d]]
        else np.zeros(0, np.int64)
        for d in range(n_dept)
    ]
    alt_len = np.array([len(a) for a in alts], np.int64)
    rng_t = city_rng(city.seed, 21)
    n = city.n_patients
    terminal_los = np.clip(
        np.round(rng_t.gamma(cal.LOS_GAMMA_SHAPE, 8.0 / cal.LOS_GAMMA_SHAPE, n)), 1, cal.MAX_LOS_DAYS
    )
    in_year = (city.pat_death >= city.epoch_ord) & (city.pat_death < city.epoch_ord + 365)
    deaths_a_year = max(int(in_year.sum()), 1)
    p_in_hospital = min(0.9, cal.IN_HOSPITAL_MORTALITY * cal.ADMISSIONS_PER_RESIDENT * n / deaths_a_year)
    # systematic sampling over the deaths in date order: the share holds in any stretch of days, even in a
    # small city (independent draws would let a year's in-hospital deaths wander by a few standard errors)
    dying = np.flatnonzero(city.pat_death < NEVER)
    dying = dying[np.lexsort((rng_t.random(len(dying)), city.pat_death[dying]))]
    offset, i = rng_t.random(), np.arange(len(dying))
    step = np.floor((i + 1) * p_in_hospital + offset) - np.floor(i * p_in_hospital + offset)
    terminal = np.zeros(n, bool)
    terminal[dying[step > 0]] = True
    free_until = np.where(terminal, city.pat_death.astype(np.int64) - terminal_los, city.pat_death).astype(
        np.int32
    )
    return Hospitals(
        kind=np.array(kinds, np.int8),
        okrug=okrug,
        district=district,
        names=names,
        dept_hosp=dept_hosp,
        dept_profile=dept_profile,
        dept_names=dept_names,
        dept_from=dept_from,
        dept_change=dept_change,
        cand=cand,
        alt_start=np.concatenate([[0], np.cumsum(alt_len)[:-1]]).astype(np.int64),
        alt_len=alt_len,
        alt=np.concatenate([np.zeros(0, np.int64), *alts]).astype(np.int32),
        streams=[],
        terminal=terminal,
        terminal_los=terminal_los.astype(np.int16),
        free_until=free_until,
    )


def _age_weight(age_years: np.ndarray) -> np.ndarray:
    edges = np.array([a for a, _ in cal.ADMISSION_AGE_WEIGHT])
    weights = np.array([w for _, w in cal.ADMISSION_AGE_WEIGHT])
    return weights[np.searchsorted(edges, age_years, side="right") - 1]


def _stream(members, weights, per_year, em_share, profile, codes) -> list[Stream]:
    """A stream split into its emergency and planned parts (without members: none)."""
    if len(members) == 0 or per_year <= 0:
        return []
    cum = np.cumsum(weights.astype(float))
    lut = _codes(codes) if codes is not None else None
    out = [Stream(members.astype(np.int32), cum, per_year * em_share, EMERGENCY, profile, lut)]
    if em_share < 1:
        out.append(Stream(members.astype(np.int32), cum, per_year * (1 - em_share), PLANNED, profile, lut))
    return out


def patient_ages(city, pat: np.ndarray | None = None) -> np.ndarray:
    """Age in whole years at the city's epoch of every resident (or of residents `pat`)."""
    from services.simulator.city import month_index

    birth = city.pat_birth_mi if pat is None else city.pat_birth_mi[pat]
    return (month_index(city.epoch) - birth) // 12


def _streams(city) -> list[Stream]:
    """The admission streams and their yearly rates: avoidable admissions, births, the general rest."""
    age = patient_ages(city)
    n = city.n_patients
    streams: list[Stream] = []
    expected = {EMERGENCY: 0.0, PLANNED: 0.0}
    for a in cal.ACSC_STREAMS:
        lo, hi = a.denominator
        in_ages = (age >= lo) & (age <= hi)
        per_year = a.per_100k / 1e5 * in_ages.sum()
        if a.register is None:
            members = np.flatnonzero(in_ages)
            weights = _age_weight(age[members])
        else:
            reg = cal.REGISTER_IDS.index(a.register)
            sel = (city.cond_reg == reg) & (city.cond_onset < city.epoch_ord) & in_ages[city.cond_patient]
            members = city.cond_patient[sel]
            weights = np.where(city.cond_observed[sel], 1.0, cal.POOR_FOLLOW_UP_RR)
        streams += _stream(
            members, weights, per_year, cal.ACSC_EMERGENCY_SHARE, PROFILE_INDEX[a.profile], a.codes
        )
    women = np.flatnonzero((city.pat_sex == 1) & (age >= 18) & (age <= 44))
    births = cal.MATERNITY_PER_1000_WOMEN / 1000 * len(women)
    em_maternity = _PROFILE["maternity"].emergency_share
    streams += _stream(women, np.ones(len(women)), births, em_maternity, PROFILE_INDEX["maternity"], None)
    for s in streams:
        expected[s.adm_type] += s.per_year
    total = cal.ADMISSIONS_PER_RESIDENT * n
    terminal = cal.IN_HOSPITAL_MORTALITY * total
    total *= cal.ADMISSIONS_FIT
    # the index admissions bring linked readmissions and transfers to other hospitals on top
    index_total = total / (1 + cal.READMISSION_LINKED_PROB + cal.TRANSFER_OUT_SHARE)
    general = max(index_total - expected[EMERGENCY] - expected[PLANNED] - terminal, 0.0)
    linked = total - index_total
    emergencies = (
        cal.EMERGENCY_SHARE * total
        - expected[EMERGENCY]
        - terminal
        - linked * cal.READMISSION_EMERGENCY_SHARE
        - index_total * cal.TRANSFER_OUT_SHARE
    )
    em_general = float(np.clip(emergencies / max(general, 1.0), 0.0, 1.0))
    everyone = np.arange(n)
    streams += _stream(everyone, _age_weight(age), general, em_general, -1, None)
    return streams


# ----------------------------------------------------------------------------------------------- blocks


def _gamma_los(rng: np.random.Generator, alos: np.ndarray) -> np.ndarray:
    los = rng.gamma(cal.LOS_GAMMA_SHAPE, alos / cal.LOS_GAMMA_SHAPE)
    return np.clip(np.round(los), 1, cal.MAX_LOS_DAYS).astype(np.int32)


def _general_profile(rng, city, pat, adm_type) -> np.ndarray:
    """A general admission's profile by the patient's age group and sex, and the admission's type."""
    age = patient_ages(city, pat)
    out = np.zeros(len(pat), np.int8)
    groups = (
        (age < cal.ADULT_AGE, cal.CHILD_PROFILE_MIX),
        ((age >= cal.ADULT_AGE) & (city.pat_sex[pat] == 1), cal.ADULT_PROFILE_MIX),
        (
            (age >= cal.ADULT_AGE) & (city.pat_sex[pat] == 0),
            {k: v for k, v in cal.ADULT_PROFILE_MIX.items() if k != "gynaecological"},
        ),
    )
    for mask, mix in groups:
        idx = np.array([PROFILE_INDEX[p] for p in mix])
        w = np.array(list(mix.values()))
        for t, share in ((EMERGENCY, EM_SHARE[idx]), (PLANNED, 1 - EM_SHARE[idx])):
            sel = np.flatnonzero(mask & (adm_type == t))
            p = w * share
            pick = np.searchsorted(np.cumsum(p / p.sum()), rng.random(len(sel)), side="right")
            out[sel] = idx[np.minimum(pick, len(idx) - 1)]
    return out


def _department(rng, city, h: Hospitals, pat: np.ndarray, profile: np.ndarray) -> np.ndarray:
    """A department of the profile in a hospital of the patient's okrug (else anywhere in the city)."""
    out = np.zeros(len(pat), np.int32)
    pat_okrug = city.district_okrug[city.pat_district[pat]]
    u = rng.random(len(pat))
    for pi in range(len(BED_PROFILES)):
        sel = np.flatnonzero(profile == pi)
        ds, start, per = h.cand[pi]
        if len(sel) == 0:
            continue
        o = pat_okrug[sel]
        local = start[o] + (u[sel] * per[o]).astype(np.int64)
        anywhere = (u[sel] * len(ds)).astype(np.int64)
        out[sel] = ds[np.where(per[o] > 0, np.minimum(local, len(ds) - 1), anywhere)]
    return out


def _index_stays(city, h: Hospitals, rng, d0: int) -> dict[str, np.ndarray]:
    """The index admissions of the block's days from every stream: patient, day, type, profile, code."""
    days = np.arange(d0, d0 + BLOCK_DAYS)
    season = season_factor(days)
    working = (kinds_of_days(days) == WORKING).astype(float)
    parts = []
    for st in h.streams:
        if st.adm_type == EMERGENCY:
            lam = st.per_year / 365.0 * season
        else:
            lam = st.per_year / cal.WORKING_DAYS_PER_YEAR * working
        counts = rng.poisson(lam)
        n = int(counts.sum())
        pat = st.members[
            np.searchsorted(st.cum, rng.random(n) * st.cum[-1], side="right").clip(0, len(st.members) - 1)
        ]
        adm_type = np.full(n, st.adm_type, np.int8)
        profile = (
            np.full(n, st.profile, np.int8) if st.profile >= 0 else _general_profile(rng, city, pat, adm_type)
        )
        if st.codes is not None:
            code = _pick(rng, st.codes, n)
        else:
            code = np.zeros(n, np.int16)
            for pi in range(len(BED_PROFILES)):
                for t, luts in ((EMERGENCY, _EM_CODES), (PLANNED, _PL_CODES)):
                    sel = np.flatnonzero((profile == pi) & (adm_type == t))
                    code[sel] = _pick(rng, luts[pi], len(sel))
        parts.append(
            {"pat": pat, "day": np.repeat(days, counts), "type": adm_type, "profile": profile, "code": code}
        )
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def _terminal_stays(city, h: Hospitals, rng, d0: int) -> dict[str, np.ndarray]:
    """The stays of the residents who die in hospital on one of the block's days."""
    pat = np.flatnonzero(h.terminal & (city.pat_death >= d0) & (city.pat_death < d0 + BLOCK_DAYS)).astype(
        np.int32
    )
    n = len(pat)
    child = patient_ages(city, pat) < cal.ADULT_AGE
    idx = np.array([PROFILE_INDEX[p] for p, _ in cal.TERMINAL_PROFILES])
    w = np.array([x for _, x in cal.TERMINAL_PROFILES])
    profile = idx[
        np.minimum(np.searchsorted(np.cumsum(w / w.sum()), rng.random(n), side="right"), len(idx) - 1)
    ]
    profile = np.where(child, PROFILE_INDEX["paediatric"], profile).astype(np.int8)
    adm_type = np.where(rng.random(n) < 0.9, EMERGENCY, PLANNED).astype(np.int8)
    code = np.zeros(n, np.int16)
    for pi in range(len(BED_PROFILES)):
        sel = np.flatnonzero(profile == pi)
        code[sel] = _pick(rng, _EM_CODES[pi], len(sel))
    los = h.terminal_los[pat].astype(np.int32)
    return {
        "pat": pat,
        "day": city.pat_death[pat] - los,
        "type": adm_type,
        "profile": profile,
        "code": code,
        "los": los,
    }


def block_stays(city, b: int) -> dict[str, np.ndarray]:
    """The stays of block b (index admissions on days b*BLOCK_DAYS ..+BLOCK_DAYS-1, the terminal stays of
    deaths on those days, and what they lead to), cached: one row per stay, times in seconds since 1970."""
    h: Hospitals = city.hospitals
    if b in h.cache:
        return h.cache[b]
    stays = _make_block(city, h, b)
    h.cache[b] = stays
    while len(h.cache) > CACHED_BLOCKS:
        h.cache.pop(next(iter(h.cache)))
    return stays


def _make_block(city, h: Hospitals, b: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng([city.seed, b, P_BLOCK])
    d0 = b * BLOCK_DAYS
    ix = _index_stays(city, h, rng, d0)
    ix["los"] = _gamma_los(rng, ALOS[ix["profile"]])
    tm = _terminal_stays(city, h, rng, d0)
    n_ix, n_tm = len(ix["pat"]), len(tm["pat"])
    s = {k: np.concatenate([ix[k], tm[k]]) for k in ix}
    s["outcome"] = np.r_[np.full(n_ix, HOME, np.int8), np.full(n_tm, DIED, np.int8)]
    s["source"] = np.where(
        s["type"] == PLANNED,
        SRC_REFERRAL,
        np.where(rng.random(len(s["pat"])) < 0.75, SRC_AMBULANCE, SRC_SELF),
    ).astype(np.int8)
    s["dept"] = _department(rng, city, h, s["pat"], s["profile"])
    s["disch_day"] = s["day"] + s["los"]
    # an ordinary stay ends before the patient's death (or their terminal stay)
    keep = (s["outcome"] == DIED) | (s["disch_day"] < h.free_until[s["pat"]])
    s = {k: v[keep] for k, v in s.items()}
    s = _no_overlap(s)
    s = _with_transfers_out(city, h, rng, s)
    s = _with_readmissions(city, h, rng, s)
    return _finish(city, h, rng, s, d0)


def _no_overlap(s: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Drop a stay of a patient that starts before their previous stay (in the block) ended."""
    o = np.lexsort((s["day"], s["pat"]))
    s = {k: v[o] for k, v in s.items()}
    same = np.r_[False, s["pat"][1:] == s["pat"][:-1]]
    prev_end = np.r_[0, s["disch_day"][:-1]]
    keep = ~(same & (s["day"] <= prev_end))
    return {k: v[keep] for k, v in s.items()}


def _with_transfers_out(city, h: Hospitals, rng, s) -> dict[str, np.ndarray]:
    """Some stays end with a transfer to another hospital with the profile: a second stay continues there."""
    n = len(s["pat"])
    go = (rng.random(n) < cal.TRANSFER_OUT_SHARE) & (s["los"] >= 2) & (s["outcome"] == HOME)
    other = np.full(n, -1, np.int64)
    for i in np.flatnonzero(go):
        ds = h.cand[s["profile"][i]][0]
        ds = ds[h.dept_hosp[ds] != h.dept_hosp[s["dept"][i]]]
        if len(ds):
            other[i] = ds[rng.integers(len(ds))]
    go = np.flatnonzero(other >= 0)
    t = s["day"][go] + 1 + (rng.random(len(go)) * (s["los"][go] - 1)).astype(np.int64)
    cont = {k: v[go].copy() for k, v in s.items()}
    cont.update(
        day=t,
        dept=other[go].astype(np.int32),
        los=(s["disch_day"][go] - t).astype(np.int32),
        type=np.full(len(go), EMERGENCY, np.int8),
        source=np.full(len(go), SRC_TRANSFER, np.int8),
    )
    s["outcome"][go] = OTHER_HOSPITAL
    s["disch_day"][go] = t
    s["los"][go] = t - s["day"][go]
    s["cont_of"] = np.full(n, -1, np.int64)
    cont["cont_of"] = go
    return {k: np.concatenate([s[k], cont[k]]) for k in s}


def _with_readmissions(city, h: Hospitals, rng, s) -> dict[str, np.ndarray]:
    """A share of the stays discharged home bring a linked readmission within 30 days to the same
    department, mostly as an emergency, half of them with the same diagnosis."""
    n = len(s["pat"])
    go = np.flatnonzero(
        (s["outcome"] == HOME) & (s["cont_of"] < 0) & (rng.random(n) < cal.READMISSION_LINKED_PROB)
    )
    gap = np.minimum(1 + np.floor(rng.exponential(cal.READMISSION_GAP_MEAN_DAYS, len(go))), 30).astype(
        np.int64
    )
    r = {k: v[go].copy() for k, v in s.items()}
    r["day"] = s["disch_day"][go] + gap
    r["type"] = np.where(rng.random(len(go)) < cal.READMISSION_EMERGENCY_SHARE, EMERGENCY, PLANNED).astype(
        np.int8
    )
    r["source"] = np.where(
        r["type"] == PLANNED, SRC_REFERRAL, np.where(rng.random(len(go)) < 0.75, SRC_AMBULANCE, SRC_SELF)
    ).astype(np.int8)
    other_code = np.zeros(len(go), np.int16)
    for pi in range(len(BED_PROFILES)):
        sel = np.flatnonzero(r["profile"] == pi)
        other_code[sel] = _pick(rng, _EM_CODES[pi], len(sel))
    r["code"] = np.where(rng.random(len(go)) < 0.5, r["code"], other_code).astype(np.int16)
    r["los"] = _gamma_los(rng, ALOS[r["profile"]])
    r["disch_day"] = r["day"] + r["los"]
    r["cont_of"] = np.full(len(go), -2, np.int64)  # a readmission
    planned_ok = (r["type"] == EMERGENCY) | (kinds_of_days(r["day"]) == WORKING)
    keep = (r["disch_day"] < h.free_until[r["pat"]]) & planned_ok
    r = {k: v[keep] for k, v in r.items()}
    return {k: np.concatenate([s[k], r[k]]) for k in s}


def _finish(city, h: Hospitals, rng, s, d0: int) -> dict[str, np.ndarray]:
    """Times, ids, transfers within the hospital, diagnoses at discharge, referral days, follow-up plans."""
    n = len(s["pat"])
    em = s["type"] == EMERGENCY
    adm_sec = np.where(em, rng.integers(0, DAY_S, n), rng.integers(9 * 3600, 14 * 3600, n))
    cont = s["cont_of"] >= 0
    disch_sec = np.where(
        s["outcome"] == DIED, rng.integers(0, DAY_S, n), rng.integers(10 * 3600, 17 * 3600, n)
    )
    # a continued stay starts hours after the first hospital let the patient go
    first_disch = np.zeros(n, np.int64)
    first_disch[cont] = disch_sec[s["cont_of"][cont]]
    adm_sec = np.where(cont, np.minimum(first_disch + rng.integers(3600, 4 * 3600, n), DAY_S - 2), adm_sec)
    disch_sec = np.where(cont, np.maximum(disch_sec, adm_sec + 1), disch_sec)
    adm_at = (s["day"].astype(np.int64) - ORD_1970) * DAY_S + adm_sec
    disch_at = (s["disch_day"].astype(np.int64) - ORD_1970) * DAY_S + disch_sec
    # transfers to another department of the hospital, on a day between admission and discharge
    dept = s["dept"]
    can = (s["los"] >= 2) & (h.alt_len[dept] > 0) & ~cont
    tr = can & (rng.random(n) < cal.TRANSFER_WITHIN_SHARE)
    pick = h.alt_start[dept] + (rng.random(n) * np.maximum(h.alt_len[dept], 1)).astype(np.int64)
    tr_to = np.where(tr, h.alt[np.minimum(pick, max(len(h.alt) - 1, 0))] if len(h.alt) else 0, -1).astype(
        np.int32
    )
    tr_day = s["day"] + 1 + (rng.random(n) * np.maximum(s["los"] - 1, 1)).astype(np.int64)
    tr_at = np.where(tr, (tr_day - ORD_1970) * DAY_S + rng.integers(10 * 3600, 20 * 3600, n), 0)
    tr_at = np.where(tr, np.minimum(tr_at, disch_at - 1), 0)
    second = np.where(rng.random(n) < cal.SECONDARY_DIAGNOSIS_SHARE, _pick(rng, _SECONDARY, n), -1).astype(
        np.int16
    )
    ref_day = _referral_days(rng, s)
    attached = city.pat_fac[s["pat"]] >= 0
    fu = _follow_up_delays(rng, n)
    # a visit that would fall on a day off is booked for the next working day
    fu_day = working_day_ordinal(working_day_index(s["disch_day"] + np.maximum(fu, 1)))
    fu_day = np.where((s["outcome"] == HOME) & attached & (fu > 0), fu_day, -1).astype(np.int32)
    # the city's records start at the epoch; the stays in hospital on it were admitted in the forward book
    keep = (s["disch_day"] >= city.epoch_ord) & (s["day"] >= city.epoch_ord - cal.PUBLISH_AHEAD_SPECIALIST)
    keep &= s["day"] >= _birth_day(city, s["pat"])  # a baby of the epoch's month was born in it
    out = {
        "stay_id": make_ids(d0, "stay", n),
        "referral_id": np.where(
            (s["type"] == PLANNED) & attached & (ref_day >= city.epoch_ord) & (s["source"] == SRC_REFERRAL),
            make_ids(d0, "hospital_referral", n),
            0,
        ),
        "ref_day": ref_day,
        "pat": s["pat"].astype(np.int32),
        "hosp": h.dept_hosp[dept],
        "dept": dept,
        "profile": s["profile"],
        "type": s["type"],
        "source": s["source"],
        "code": s["code"],
        "adm_at": adm_at,
        "adm_day": s["day"].astype(np.int32),
        "tr_to": tr_to,
        "tr_at": tr_at,
        "disch_at": disch_at,
        "disch_day": s["disch_day"].astype(np.int32),
        "outcome": s["outcome"],
        "second": second,
        "fu_day": fu_day,
        "kind": s["cont_of"],  # -1 index, -2 linked readmission, >= 0 continued from another hospital
    }
    return {k: v[keep] for k, v in out.items()}


def _birth_day(city, pat: np.ndarray) -> np.ndarray:
    """Ordinal of the first day of each resident's month of birth (all the contract knows of it)."""
    months = (city.pat_birth_mi[pat].astype(np.int64) - 1970 * 12).astype("datetime64[M]")
    return months.astype("datetime64[D]").astype(np.int64) + ORD_1970


def _referral_days(rng, s) -> np.ndarray:
    """The working day each planned stay's referral was issued: within the standard for most."""
    n = len(s["pat"])
    std = _WAIT_STD[s["profile"]]
    beyond = rng.random(n) < cal.PLANNED_WAIT_BEYOND_SHARE
    wait = np.where(
        beyond,
        std + 1 + (rng.random(n) * cal.PLANNED_WAIT_BEYOND_MAX_WD).astype(np.int64),
        1 + (rng.random(n) * std).astype(np.int64),
    )
    ref_day = working_day_ordinal(working_day_index(s["day"]) - wait)
    return np.where(s["type"] == PLANNED, ref_day, -1).astype(np.int32)


def _follow_up_delays(rng, n: int) -> np.ndarray:
    """Days from a discharge home to the follow-up visit (0: never booked)."""
    u = rng.random(n)
    within7 = cal.FOLLOW_UP_WITHIN_7_SHARE
    early = 1 + (rng.random(n) * 7).astype(np.int64)
    late = 8 + (rng.random(n) * (cal.FOLLOW_UP_MAX_DAYS - 7)).astype(np.int64)
    return np.where(
        u < cal.FOLLOW_UP_NEVER_SHARE, 0, np.where(u < cal.FOLLOW_UP_NEVER_SHARE + within7, early, late)
    )


def stays_around(city, s: int, pick) -> dict[str, np.ndarray]:
    """The stays of the blocks around day s for which `pick(stays)` (a mask) holds."""
    b = s // BLOCK_DAYS
    parts = []
    for bb in range(b - BLOCKS_BACK, b + BLOCKS_AHEAD + 1):
        st = block_stays(city, bb)
        m = pick(st)
        if m.any():
            parts.append({k: v[m] for k, v in st.items()})
    if not parts:
        return {k: v[:0] for k, v in block_stays(city, b).items()}
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


# ----------------------------------------------------------------------------------------------- a day


def hospital_events(city, s: int) -> dict[str, dict[str, np.ndarray]]:
    """Admissions, transfers and discharges of day s. On the epoch also the admissions and transfers, before
    it, of the stays still in hospital on it (the city opens with occupied beds)."""
    epoch = city.epoch_ord
    first = s == epoch

    def admitted(st):
        return (st["adm_day"] == s) | (first & (st["adm_day"] < epoch))

    a = stays_around(city, s, admitted)

    def transferred(st):
        day = st["tr_at"] // DAY_S + ORD_1970
        return (st["tr_to"] >= 0) & ((day == s) | (first & (day < epoch)))

    t = stays_around(city, s, transferred)
    d = stays_around(city, s, lambda st: st["disch_day"] == s)
    na, nt, nd = len(a["pat"]), len(t["pat"]), len(d["pat"])
    h: Hospitals = city.hospitals
    att = city.pat_fac[a["pat"]]
    disch_code = d["code"]
    return {
        "hospital_admitted": {
            "event_id": make_ids(s, "hospital_admitted", na),
            "occurred_at": a["adm_at"],
            "stay_id": a["stay_id"],
            "patient": a["pat"],
            "hospital_id": a["hosp"] + 1,
            "department_id": department_of(h, a["dept"], a["stay_id"]) + 1,
            "admission_type": a["type"],
            "admission_source": a["source"],
            "referral_id": a["referral_id"],
            "primary_icd10": a["code"],
            "attached_facility_id": np.where(att >= 0, att + 1, 0),
        },
        "patient_transferred": {
            "event_id": make_ids(s, "patient_transferred", nt),
            "occurred_at": t["tr_at"],
            "stay_id": t["stay_id"],
            "from_department_id": department_of(h, t["dept"], t["stay_id"]) + 1,
            "to_department_id": department_of(h, t["tr_to"], t["stay_id"]) + 1,
        },
        "hospital_discharged": {
            "event_id": make_ids(s, "hospital_discharged", nd),
            "occurred_at": d["disch_at"],
            "stay_id": d["stay_id"],
            "discharge_outcome": d["outcome"],
            "primary_icd10": disch_code,
            "secondary_icd10": d["second"],
        },
    }


def referral_visits(city, s: int) -> dict[str, np.ndarray]:
    """The planned stays whose referral is issued on day s: patient, referral id, specialty referred to."""
    r = stays_around(city, s, lambda st: (st["ref_day"] == s) & (st["referral_id"] > 0))
    return {"pat": r["pat"].astype(np.int64), "referral_id": r["referral_id"], "to": _REFER_TO[r["profile"]]}


def follow_ups_due(city, s: int) -> dict[str, np.ndarray]:
    """Discharges home whose follow-up visit the polyclinic books on a slot of day s: patient, stay, and the
    moment of booking (an hour or a few after the discharge)."""
    f = stays_around(city, s, lambda st: st["fu_day"] == s)
    rng = np.random.default_rng([city.seed, s, 41])
    at = f["disch_at"] + rng.integers(1800, 5 * 3600, len(f["pat"]))
    alive = city.pat_death[f["pat"]] > s
    return {"pat": f["pat"][alive].astype(np.int64), "stay": f["stay_id"][alive], "at": at[alive]}


def _size_beds(city, h: Hospitals) -> None:
    """Beds of each department: its mean midnight census over the city's first year at the calibrated
    occupancy (at least one bed); a department whose beds change gets its new count too."""
    from services.simulator.city import city_rng

    w0, w1 = city.epoch_ord, city.epoch_ord + 365
    bed_days = np.zeros(len(h.dept_hosp))
    # the blocks whose stays can be in hospital in the year: a stay admitted before the forward book is
    # dropped (a block's readmissions and continued stays start at most 30 + MAX_LOS days after its last
    # admission), and a later block's stay admitted within the year is a terminal stay (at most MAX_LOS
    # days before the death); latest first: the cache keeps the earliest blocks, which the run's first
    # days need (and the forked workers inherit)
    first = (w0 - cal.PUBLISH_AHEAD_SPECIALIST - 30 - cal.MAX_LOS_DAYS) // BLOCK_DAYS - 1
    last = (w1 + cal.MAX_LOS_DAYS) // BLOCK_DAYS
    for b in range(last, first - 1, -1):
        st = block_stays(city, b)
        tr = st["tr_to"] >= 0
        split = np.where(tr, st["tr_at"] // DAY_S + ORD_1970, st["disch_day"])
        for dept, lo, hi in (
            (st["dept"], st["adm_day"], split),
            (st["tr_to"][tr], split[tr], st["disch_day"][tr]),
        ):
            nights = np.clip(np.minimum(hi, w1) - np.maximum(lo, w0), 0, None)
            bed_days += np.bincount(dept, weights=nights, minlength=len(bed_days))
    beds = np.maximum(np.round(bed_days / 365 / cal.BED_OCCUPANCY), 1).astype(np.int32)
    rng = city_rng(city.seed, 22)
    after = np.maximum(np.round(beds * rng.uniform(*cal.DEPARTMENT_BED_CHANGE, len(beds))), 1).astype(
        np.int32
    )
    k = np.maximum(1, np.ceil(beds / cal.DEPARTMENT_MAX_BEDS)).astype(np.int64)
    h.unit_first_dept = np.concatenate([[0], np.cumsum(k)[:-1]]).astype(np.int64)
    h.unit_depts = k
    h.dept_unit = np.repeat(np.arange(len(beds)), k)
    j = np.arange(len(h.dept_unit)) - h.unit_first_dept[h.dept_unit]  # the department's number in its unit
    share = beds[h.dept_unit] // k[h.dept_unit] + (j < beds[h.dept_unit] % k[h.dept_unit])
    h.dept_beds = np.maximum(share, 1).astype(np.int32)
    ratio = after / beds
    h.dept_beds_after = np.maximum(np.round(h.dept_beds * ratio[h.dept_unit]), 1).astype(np.int32)
    h.dept_labels = [
        h.dept_names[u] + (f" No. {jj + 1}" if k[u] > 1 else "") for u, jj in zip(h.dept_unit, j, strict=True)
    ]


def department_of(h: Hospitals, unit: np.ndarray, stay_id: np.ndarray) -> np.ndarray:
    """The department (index) of a stay in a unit (hospital x profile): one of the unit's, by stay id."""
    return h.unit_first_dept[unit] + stay_id % h.unit_depts[unit]
