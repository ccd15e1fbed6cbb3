"""The static city: okrugs, districts, facilities, doctors' posts, residents and their chronic conditions.

Everything here is a pure function of (seed, scale, epoch) and held as numpy arrays, so a run rebuilds the
same city in a few seconds even at full scale. The day generator (`day.py`) draws events from it; the
reference snapshots (`reference.py`) are written from it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from services.contract import AGE_BANDS
from services.simulator import calibration as cal
from services.simulator.workdays import working_day_index

NEVER = 2**31 - 1  # ordinal day of an event that does not happen (no death, no end of observation)
ORD_1970 = dt.date(1970, 1, 1).toordinal()
# ids of internal facility kinds; `branch` is split by the kind of its head
ADULT_HEAD, ADULT_BRANCH, CHILD_HEAD, CHILD_BRANCH, WOMENS, DENTAL, DIAGNOSTIC = range(7)
KIND_KEYS = (
    "adult_polyclinic",
    "adult_branch",
    "children_polyclinic",
    "children_branch",
    "womens_consultation",
    "dental_clinic",
    "diagnostic_centre",
)
CONTRACT_KIND = (
    "adult_polyclinic",
    "branch",
    "children_polyclinic",
    "branch",
    "womens_consultation",
    "dental_clinic",
    "diagnostic_centre",
)
NSPEC = len(cal.SPECIALTIES)
SPEC_INDEX = {s.specialty_id: i for i, s in enumerate(cal.SPECIALTIES)}
MINUTES = np.array([s.minutes_norm for s in cal.SPECIALTIES], dtype=np.int32)
IS_PRIMARY = np.array([s.is_primary_care for s in cal.SPECIALTIES])
PUBLISH_AHEAD = np.where(IS_PRIMARY, cal.PUBLISH_AHEAD_PRIMARY, cal.PUBLISH_AHEAD_SPECIALIST).astype(np.int32)
MAX_AHEAD = cal.PUBLISH_AHEAD_SPECIALIST
DOCTOR_RATES = (np.array([0.5, 0.75, 1.0, 1.25, 1.5]), np.array([0.08, 0.1, 0.64, 0.1, 0.08]))
HORIZON_YEARS = 10  # incident cases, deaths and moves are drawn this far past the epoch


def city_rng(seed: int, purpose: int) -> np.random.Generator:
    """Randomness of the static city: keyed by seed and purpose (day 0), never by the run."""
    return np.random.default_rng([seed, 0, 1000 + purpose])


def patient_hex_ids(seed: int, n: int) -> np.ndarray:
    """16 lowercase hex characters per resident: a keyed 64-bit mix (splitmix64) of the seed and the number.

    The mix is a bijection of the number for a given key, so pseudonyms never collide.
    """
    key = np.uint64((seed * 0x9E3779B97F4A7C15 + 0x632BE59BD9B4E019) % 2**64)
    with np.errstate(over="ignore"):
        z = np.arange(n, dtype=np.uint64) + key
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    if n == 0:
        return np.empty(0, dtype="S16")
    # each byte (most significant first) becomes its two hex characters
    pairs = np.frombuffer(b"".join(f"{b:02x}".encode() for b in range(256)), dtype=np.uint16)
    return pairs[z.astype(">u8").view(np.uint8)].reshape(-1).view("S16")


def _largest_remainder(total: int, weights: np.ndarray, floor: int = 0) -> np.ndarray:
    """Split an integer total by weights, every part at least `floor`."""
    weights = np.asarray(weights, dtype=float)
    base = np.full(len(weights), floor, dtype=np.int64)
    rest = max(total - base.sum(), 0)
    share = weights / weights.sum() * rest
    out = base + np.floor(share).astype(np.int64)
    short = int(rest - np.floor(share).sum())
    if short > 0:
        order = np.argsort(-(share - np.floor(share)), kind="stable")[:short]
        out[order] += 1
    return out


@dataclass
class City:
    seed: int
    scale: float
    epoch: dt.date
    # okrugs and districts
    district_okrug: np.ndarray  # okrug index of each district (district id = index + 1)
    district_names: list[str]
    # facilities (facility id = index + 1)
    fac_kind: np.ndarray
    fac_parent: np.ndarray  # index of the head, -1 if none
    fac_okrug: np.ndarray
    fac_district: np.ndarray
    fac_names: list[str]
    # doctors' posts (doctor id = post_doctor + 1)
    post_doctor: np.ndarray
    post_fac: np.ndarray
    post_spec: np.ndarray
    post_rate: np.ndarray
    post_from: np.ndarray
    post_to: np.ndarray
    # residents (patient number = index)
    pat_ids: np.ndarray  # S16
    pat_sex: np.ndarray  # 0 M, 1 F
    pat_birth_mi: np.ndarray  # month index (year * 12 + month - 1) of birth
    pat_district: np.ndarray
    pat_fac: np.ndarray  # attached facility index or -1
    pat_ins: np.ndarray  # 0 OMS, 1 OMS+DMS, 2 none
    pat_death: np.ndarray  # ordinal of death or NEVER
    # catchments: for key (facility * NSPEC + specialty), a slice of `catch_members`
    catch_start: np.ndarray
    catch_len: np.ndarray
    catch_members: np.ndarray
    base_demand: np.ndarray  # ordinary bookings per weekday expected for each key
    planned_demand: np.ndarray  # planned visits (dispensary and yearly reviews) per working day, by key
    fac_observed: np.ndarray  # share of a unit's registered patients under dispensary observation
    # register conditions, one row per (patient, register), sorted by group (register, observed) then phase
    cond_patient: np.ndarray
    cond_reg: np.ndarray
    cond_observed: np.ndarray  # under dispensary observation (else seen once a year: a review)
    cond_onset: np.ndarray
    cond_end: np.ndarray
    cond_phase: np.ndarray  # working day of the cycle on which the planned visits fall
    cond_code: np.ndarray  # index into the register's codes
    cond_drugs: np.ndarray  # bit mask over the register's drugs
    # one entry per group (register * 2 + observed): (cycle in working days, offsets of each phase's rows)
    cond_groups: list[tuple[int, np.ndarray]] = field(default_factory=list)
    # conditions with an onset after the epoch, ordered by the working day they are diagnosed on
    incident_order: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    incident_w: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    n_pharmacies: int = 1
    hospitals: object = None  # hospitals.Hospitals: the hospitals, their departments and the stays' streams

    @property
    def n_patients(self) -> int:
        return len(self.pat_ids)

    @property
    def epoch_ord(self) -> int:
        return self.epoch.toordinal()


def month_index(day: dt.date) -> int:
    return day.year * 12 + day.month - 1


def build_city(seed: int, scale: float, epoch: dt.date) -> City:
    """Build the whole static city for a seed and scale, with ages and conditions as at the epoch."""
    epoch_ord = epoch.toordinal()
    # --- okrugs and districts ------------------------------------------------------------------------
    rng = city_rng(seed, 1)
    okrug_pop = np.array([o[3] for o in cal.OKRUGS], dtype=float)
    n_dist = np.array([o[4] for o in cal.OKRUGS])
    district_okrug = np.repeat(np.arange(len(cal.OKRUGS)), n_dist)
    district_names = []
    for oi, o in enumerate(cal.OKRUGS):
        word = "settlement" if o[0] in ("NAO", "TAO") else "district"
        district_names += [f"{o[1]} {word} {k + 1}" for k in range(n_dist[oi])]
    dist_weight = (
        okrug_pop[district_okrug] / n_dist[district_okrug] * rng.uniform(0.7, 1.3, len(district_okrug))
    )

    # --- residents -----------------------------------------------------------------------------------
    n_pat = max(int(round(cal.RESIDENTS * scale)), 1000)
    per_district = _largest_remainder(n_pat, dist_weight, floor=1)
    pat_district = np.repeat(np.arange(len(district_okrug), dtype=np.int32), per_district)
    rng = city_rng(seed, 2)
    bw = np.array(cal.BAND_WEIGHTS) / sum(cal.BAND_WEIGHTS)
    band = rng.choice(len(bw), size=n_pat, p=bw).astype(np.int16)
    male = rng.random(n_pat) < np.array(cal.MALE_SHARE)[band]
    pat_sex = (~male).astype(np.int8)
    age_months = band * 60 + (rng.random(n_pat) * np.where(band == 18, 120, 60)).astype(np.int32)
    pat_birth_mi = (month_index(epoch) - age_months).astype(np.int32)
    age_years = age_months // 12
    adult = age_years >= cal.ADULT_AGE
    pat_okrug = district_okrug[pat_district]

    # --- facilities ----------------------------------------------------------------------------------
    rng = city_rng(seed, 3)
    kinds, okrugs = [], []
    for k, key in enumerate(KIND_KEYS):
        total = int(round(cal.FACILITY_COUNTS[key] * scale))
        if k in (ADULT_HEAD, CHILD_HEAD):
            per_okrug = _largest_remainder(max(total, len(okrug_pop)), okrug_pop, floor=1)
        else:
            total = max(total, 1)
            per_okrug = np.bincount(
                rng.choice(len(okrug_pop), size=total, p=okrug_pop / okrug_pop.sum()),
                minlength=len(okrug_pop),
            )
            if total >= len(okrug_pop):
                per_okrug = _largest_remainder(total, okrug_pop)
        for oi, cnt in enumerate(per_okrug):
            kinds += [k] * int(cnt)
            okrugs += [oi] * int(cnt)
    fac_kind = np.array(kinds, dtype=np.int8)
    fac_okrug = np.array(okrugs, dtype=np.int16)
    n_fac = len(fac_kind)
    fac_parent = np.full(n_fac, -1, dtype=np.int32)
    for branch_kind, head_kind in ((ADULT_BRANCH, ADULT_HEAD), (CHILD_BRANCH, CHILD_HEAD)):
        for f in np.flatnonzero(fac_kind == branch_kind):
            heads = np.flatnonzero((fac_kind == head_kind) & (fac_okrug == fac_okrug[f]))
            fac_parent[f] = heads[rng.integers(len(heads))]
    fac_district = np.empty(n_fac, dtype=np.int32)
    for f in range(n_fac):
        ds = np.flatnonzero(district_okrug == fac_okrug[f])
        fac_district[f] = ds[rng.integers(len(ds))]
    labels = {
        ADULT_HEAD: "City polyclinic No. {n}",
        CHILD_HEAD: "Children's city polyclinic No. {n}",
        WOMENS: "Women's consultation No. {n}",
        DENTAL: "Dental clinic No. {n}",
        DIAGNOSTIC: "Consultative and diagnostic centre No. {n}",
    }
    number = np.zeros(7, dtype=int)
    fac_names = []
    for f in range(n_fac):
        k = int(fac_kind[f])
        number[k] += 1
        if k in (ADULT_BRANCH, CHILD_BRANCH):
            fac_names.append(f"Branch No. {number[k]} of {{head}}")
        else:
            fac_names.append(labels[k].format(n=number[k]))
    fac_names = [
        n.format(head=fac_names[fac_parent[f]]) if "{head}" in n else n for f, n in enumerate(fac_names)
    ]

    # --- attachment, insurance, deaths ---------------------------------------------------------------
    rng = city_rng(seed, 4)
    pat_fac = np.full(n_pat, -1, dtype=np.int32)
    for group_adult, unit_kinds in ((True, (ADULT_HEAD, ADULT_BRANCH)), (False, (CHILD_HEAD, CHILD_BRANCH))):
        units = np.flatnonzero(np.isin(fac_kind, unit_kinds))
        units = units[np.lexsort((units, fac_okrug[units]))]
        counts = np.bincount(fac_okrug[units], minlength=len(okrug_pop))
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
        who = np.flatnonzero(adult == group_adult)
        o = pat_okrug[who]
        pick = starts[o] + (rng.random(len(who)) * counts[o]).astype(np.int64)
        pat_fac[who] = units[pick]
    unattached = rng.random(n_pat) < cal.UNATTACHED_SHARE
    pat_fac[unattached] = -1
    pat_ins = np.where(unattached, 2, np.where(adult & (rng.random(n_pat) < cal.DMS_SHARE), 1, 0)).astype(
        np.int8
    )
    age_mid = age_months / 12.0
    q = np.minimum(0.00005 * np.exp(0.09 * age_mid) * np.where(pat_sex == 0, 1.4, 1.0), 0.35)
    death_after = rng.exponential(1.0, n_pat) / q * 365.25
    pat_death = np.where(
        death_after < HORIZON_YEARS * 365, epoch_ord + 1 + death_after.astype(np.int64), NEVER
    )
    pat_death = pat_death.astype(np.int32)
    pat_ids = patient_hex_ids(seed, n_pat)

    # --- catchments: who may fill a slot of (facility, specialty) ------------------------------------
    head_of = np.where(fac_parent >= 0, fac_parent, np.arange(n_fac))
    pat_net = np.where(pat_fac >= 0, head_of[np.maximum(pat_fac, 0)], -1)
    women_adult = (pat_sex == 1) & adult
    rng = city_rng(seed, 7)

    def unit_of(kind: int) -> np.ndarray:
        """Each resident's unit of a kind that serves an okrug (women's, dental, diagnostic): one in their
        okrug, or one of the city's where the okrug has none (small scales), so demand keeps its size."""
        units = np.flatnonzero(fac_kind == kind)
        units = units[np.lexsort((units, fac_okrug[units]))]
        counts = np.bincount(fac_okrug[units], minlength=len(okrug_pop))
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
        u = rng.random(n_pat)
        local = np.minimum(starts[pat_okrug] + (u * counts[pat_okrug]).astype(np.int64), len(units) - 1)
        return np.where(counts[pat_okrug] > 0, units[local], units[(u * len(units)).astype(np.int64)])

    groups = {  # name -> (member mask, group value per patient, number of groups)
        "attached": (pat_fac >= 0, pat_fac, n_fac),
        "network": (pat_fac >= 0, pat_net, n_fac),
        "womens_unit": (women_adult, unit_of(WOMENS), n_fac),
        "dental_unit": (np.ones(n_pat, bool), unit_of(DENTAL), n_fac),
        "diagnostic_unit": (adult, unit_of(DIAGNOSTIC), n_fac),
    }
    members, g_start, g_len, offset = [], {}, {}, 0
    for name, (mask, value, ngroups) in groups.items():
        who = np.flatnonzero(mask).astype(np.int32)
        who = who[np.argsort(value[who].astype(np.int16), kind="stable")]  # 16 bits: a radix sort
        counts = np.bincount(value[who], minlength=ngroups)
        g_start[name] = offset + np.concatenate([[0], np.cumsum(counts)[:-1]])
        g_len[name] = counts
        members.append(who)
        offset += len(who)
    catch_members = np.concatenate(members)
    n_keys = n_fac * NSPEC
    catch_start = np.zeros(n_keys, dtype=np.int64)
    catch_len = np.zeros(n_keys, dtype=np.int64)
    base_demand = np.zeros(n_keys)
    hosts = np.zeros((n_fac, NSPEC), dtype=bool)
    kind_name = np.array(KIND_KEYS)[fac_kind]
    working_days = 252.0
    for x, sp in enumerate(cal.SPECIALTIES):
        for f in np.flatnonzero(np.isin(kind_name, sp.hosts)):
            k = int(fac_kind[f])
            if sp.is_primary_care:
                name, g = "attached", f
            elif k in (ADULT_HEAD, CHILD_HEAD):
                name, g = "network", f
            else:
                name, g = {WOMENS: "womens_unit", DENTAL: "dental_unit", DIAGNOSTIC: "diagnostic_unit"}[k], f
            key = f * NSPEC + x
            hosts[f, x] = True
            catch_start[key] = g_start[name][g]
            catch_len[key] = g_len[name][g]
            share = 1.0
            if "diagnostic_centre" in sp.hosts:
                share = cal.DIAGNOSTIC_CENTRE_SHARE if k == DIAGNOSTIC else 1 - cal.DIAGNOSTIC_CENTRE_SHARE
            if sp.catchment == "women" and k != WOMENS:
                share = 0.0
            base_demand[key] = catch_len[key] * sp.bookings_per_capita * cal.DEMAND_FIT / working_days * share

    fac_observed = _observed_shares(seed, fac_okrug)
    cond, cond_groups, cond_tw = _conditions(
        seed, epoch_ord, age_mid, age_years, pat_sex, adult, pat_fac, fac_observed
    )
    planned = _planned_demand(cond, cond_tw, epoch_ord, age_years, pat_fac, pat_net, n_keys)
    # new cases by the working day of their diagnosis (onset on a day off: the next working day)
    incident = np.flatnonzero(cond["onset"] >= epoch_ord)
    incident_w = working_day_index(cond["onset"][incident])
    by_day = np.argsort(incident_w, kind="stable")
    posts = _doctors(seed, epoch_ord, base_demand, planned, hosts)

    city = City(
        seed=seed,
        scale=scale,
        epoch=epoch,
        district_okrug=district_okrug,
        district_names=district_names,
        fac_kind=fac_kind,
        fac_parent=fac_parent,
        fac_okrug=fac_okrug,
        fac_district=fac_district,
        fac_names=fac_names,
        **posts,
        pat_ids=pat_ids,
        pat_sex=pat_sex,
        pat_birth_mi=pat_birth_mi,
        pat_district=pat_district,
        pat_fac=pat_fac,
        pat_ins=pat_ins,
        pat_death=pat_death,
        catch_start=catch_start,
        catch_len=catch_len,
        catch_members=catch_members,
        base_demand=base_demand,
        planned_demand=planned,
        fac_observed=fac_observed,
        cond_patient=cond["patient"],
        cond_reg=cond["reg"],
        cond_observed=cond["observed"],
        cond_onset=cond["onset"].astype(np.int32),
        cond_end=np.minimum(cond["end"], NEVER).astype(np.int32),
        cond_phase=cond["phase"],
        cond_code=cond["code"],
        cond_drugs=cond["drugs"],
        cond_groups=cond_groups,
        incident_order=incident[by_day],
        incident_w=incident_w[by_day],
        n_pharmacies=max(10, int(round(cal.PHARMACIES * scale))),
    )
    from services.simulator.hospitals import build_hospitals  # hospitals are drawn from the city's residents

    city.hospitals = build_hospitals(city)
    return city


def cycle_working_days(every_days: int) -> int:
    """A visit interval in calendar days as a cycle of working days of the production calendar."""
    return max(1, round(every_days / 365.25 * cal.WORKING_DAYS_PER_YEAR))


def _observed_shares(seed: int, fac_okrug: np.ndarray) -> np.ndarray:
    """Each unit's share of registered patients under dispensary observation: okrug mean plus unit spread."""
    rng = city_rng(seed, 8)
    lo, hi = cal.OBSERVED_SHARE_OKRUG
    okrug_mean = rng.uniform(lo, hi, len(cal.OKRUGS))
    unit = okrug_mean[fac_okrug] + rng.normal(0.0, cal.OBSERVED_SHARE_UNIT_SD, len(fac_okrug))
    return np.clip(unit, *cal.OBSERVED_SHARE_BOUNDS)


def _conditions(seed, epoch_ord, age_mid, age_years, pat_sex, adult, pat_fac, fac_observed):
    """The residents' register conditions, prevalent at the epoch or incident within the horizon.

    Returns (columns sorted by group then phase, the groups' cycles and phase offsets, each row's cycle)."""
    rng = city_rng(seed, 5)
    n_pat = len(age_mid)
    review_cycle = cycle_working_days(cal.REVIEW_EVERY_DAYS)
    parts = []
    # relative risk by age and sex, looked up by age (few distinct values), not computed per resident
    months = np.round(age_mid * 12).astype(np.int64)
    ages = np.arange(months.max() + 1) / 12.0
    cell = months * 2 + pat_sex
    for ri, reg in enumerate(cal.REGISTERS):
        by_age = 1.0 / (1.0 + np.exp(-(ages - reg.age_mid) / reg.age_width)) * (ages >= reg.min_age)
        rr = (by_age[:, None] * np.array([reg.male_ratio, 1.0])[None, :]).reshape(-1)[cell]
        denom_mask = {"all": np.ones(n_pat, bool), "adults": adult, "adults40": age_years >= 40}[
            reg.denominator
        ]
        target = reg.per_100k / 1e5 * denom_mask.sum()
        p_prev = np.minimum(rr * target / rr.sum(), 0.95)
        u = rng.random(n_pat)
        prev = u < p_prev
        p_inc = np.minimum(
            rr * (reg.incidence_per_100k / 1e5 * denom_mask.sum() * HORIZON_YEARS) / rr.sum(), 0.5
        )
        inc = (~prev) & (rng.random(n_pat) < p_inc)
        who = np.flatnonzero(prev | inc).astype(np.int32)
        n = len(who)
        is_inc = inc[who]
        onset = np.where(
            is_inc,
            epoch_ord + (rng.random(n) * HORIZON_YEARS * 365).astype(np.int64),
            epoch_ord - 30 - (rng.random(n) * 7000).astype(np.int64),
        )
        end = np.full(n, NEVER, dtype=np.int64)
        if reg.end_after_days:
            lo, hi = reg.end_after_days
            onset = np.where(is_inc, onset, epoch_ord - 1 - (rng.random(n) * (lo - 1)).astype(np.int64))
            end = onset + lo + (rng.random(n) * (hi - lo)).astype(np.int64)
        shares = np.array([c[1] for c in reg.codes])
        code = np.searchsorted(np.cumsum(shares / shares.sum()), rng.random(n), side="right").astype(np.int8)
        code = np.minimum(code, len(shares) - 1)
        drug_p = np.array([d[1] for d in reg.drugs])
        bits = rng.random((n, len(drug_p))) < drug_p
        bits[~bits.any(axis=1), 0] = True  # everyone on a register gets at least the first-line drug
        mask = (bits * (1 << np.arange(len(drug_p)))).sum(axis=1).astype(np.int16)
        fac = pat_fac[who]
        share = np.where(fac >= 0, fac_observed[np.maximum(fac, 0)], 0.0)
        observed = np.ones(n, bool) if reg.always_observed else rng.random(n) < share
        cycle = np.where(observed, cycle_working_days(reg.visit_every_days), review_cycle)
        phase = (rng.random(n) * cycle).astype(np.int16)
        parts.append(
            {
                "patient": who,
                "reg": np.full(n, ri, np.int8),
                "observed": observed,
                "onset": onset,
                "end": end,
                "phase": phase,
                "code": code,
                "drugs": mask,
                "cycle": cycle,
            }
        )
    cond = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    group = cond["reg"].astype(np.int64) * 2 + cond["observed"]
    order = np.lexsort((cond["phase"], group))
    cond = {k: v[order] for k, v in cond.items()}
    group = group[order]
    groups = []
    for g in range(2 * len(cal.REGISTERS)):
        lo, hi = np.searchsorted(group, [g, g + 1])
        reg = cal.REGISTERS[g // 2]
        cycle = cycle_working_days(reg.visit_every_days) if g % 2 else review_cycle
        groups.append((cycle, lo + np.searchsorted(cond["phase"][lo:hi], np.arange(cycle + 1))))
    return cond, groups, cond.pop("cycle")


def _planned_demand(cond, cond_tw, epoch_ord, age_years, pat_fac, pat_net, n_keys) -> np.ndarray:
    """Planned visits per working day by key (facility * NSPEC + specialty) for the conditions prevalent at
    the epoch: observed patients with their register's doctor, the others' yearly review with the district
    doctor."""
    p = cond["patient"][cond["onset"] < epoch_ord]
    sel = cond["onset"] < epoch_ord
    reg_spec = np.array([SPEC_INDEX[r.specialty] for r in cal.REGISTERS])[cond["reg"][sel]]
    is_child = age_years[p] < cal.ADULT_AGE
    district = np.where(is_child, SPEC_INDEX["pediatrician"], SPEC_INDEX["therapist"])
    spec = np.where(cond["observed"][sel], reg_spec, district)
    spec = np.where(is_child, SPEC_INDEX[cal.CHILD_REGISTER_SPECIALTY], spec)
    fac = np.where(is_child | IS_PRIMARY[spec], pat_fac[p], pat_net[p])
    ok = fac >= 0
    return np.bincount(
        fac[ok].astype(np.int64) * NSPEC + spec[ok], weights=1.0 / cond_tw[sel][ok], minlength=n_keys
    )


def _doctors(seed, epoch_ord, base_demand, planned, hosts) -> dict[str, np.ndarray]:
    """Doctors' posts: enough for the expected demand, at least one per hosting unit; a few move."""
    rng = city_rng(seed, 6)
    mean_rate = float((DOCTOR_RATES[0] * DOCTOR_RATES[1]).sum())
    slots_per_doctor_day = 360 * mean_rate / MINUTES * 0.9 * (1 - IS_PRIMARY / cal.URGENT_RESERVE_EVERY)
    # planned visits cluster on some days (by phase), so they get extra headroom
    need = (base_demand + 1.5 * planned) / cal.TARGET_UTILISATION
    host_keys = np.flatnonzero(hosts.reshape(-1))
    n_docs = np.maximum(1, np.round(need[host_keys] / slots_per_doctor_day[host_keys % NSPEC])).astype(
        np.int64
    )
    d_fac = np.repeat(host_keys // NSPEC, n_docs).astype(np.int32)
    d_spec = np.repeat(host_keys % NSPEC, n_docs).astype(np.int8)
    n_doc = len(d_fac)
    d_rate = rng.choice(DOCTOR_RATES[0], size=n_doc, p=DOCTOR_RATES[1])
    # a unit that needs less than one doctor (small scales) gets one on a part-time rate, so a small city
    # keeps the shape of the network without idle schedules
    part_time = np.repeat(need[host_keys] / slots_per_doctor_day[host_keys % NSPEC], n_docs)
    d_rate = np.where(part_time < 1, np.clip(np.ceil(part_time * mean_rate * 10) / 10, 0.1, 1.0), d_rate)
    d_from = epoch_ord - 30 - rng.integers(0, 7300, n_doc)
    # a few doctors move to another unit with the same specialty: their post closes and another opens
    moves = np.flatnonzero(rng.random(n_doc) < 0.04)
    move_day = epoch_ord + rng.integers(1, 3 * 365, len(moves))
    new_fac = np.empty(len(moves), dtype=np.int32)
    for i, d in enumerate(moves):
        options = np.flatnonzero(hosts[:, d_spec[d]])
        new_fac[i] = options[rng.integers(len(options))]
    keep = new_fac != d_fac[moves]
    moves, move_day, new_fac = moves[keep], move_day[keep], new_fac[keep]
    post_to = np.full(n_doc, NEVER, dtype=np.int64)
    post_to[moves] = move_day - 1
    return {
        "post_doctor": np.concatenate([np.arange(n_doc), moves]).astype(np.int32),
        "post_fac": np.concatenate([d_fac, new_fac]).astype(np.int32),
        "post_spec": np.concatenate([d_spec, d_spec[moves]]).astype(np.int8),
        "post_rate": np.concatenate([d_rate, d_rate[moves]]),
        "post_from": np.concatenate([d_from, move_day]).astype(np.int32),
        "post_to": np.concatenate([post_to, np.full(len(moves), NEVER)]).astype(np.int32),
    }


def register_prevalence(city: City) -> dict[str, dict[str, float]]:
    """Residents on each register at the epoch, per 100k of its denominator, beside the calibration target."""
    age_years = (month_index(city.epoch) - city.pat_birth_mi) // 12
    denominators = {
        "all": city.n_patients,
        "adults": int((age_years >= cal.ADULT_AGE).sum()),
        "adults40": int((age_years >= 40).sum()),
    }
    out = {}
    for ri, reg in enumerate(cal.REGISTERS):
        sel = (city.cond_reg == ri) & (city.cond_onset < city.epoch_ord) & (city.cond_end > city.epoch_ord)
        n = len(np.unique(city.cond_patient[sel]))
        out[reg.register_id] = {
            "cases": n,
            "per_100k": n / denominators[reg.denominator] * 1e5,
            "target_per_100k": reg.per_100k,
        }
    return out


def age_band_index(age_years: np.ndarray) -> np.ndarray:
    return np.minimum(np.maximum(age_years, 0) // 5, len(AGE_BANDS) - 1)
