"""The reference snapshots of the contract, as of the last day of a run.

A snapshot is whole (the latest wins). Each depends only on the city and the run's last day, so a run
continued in pieces ends with the same snapshots as one long run; the engine rewrites a snapshot only when
its content changed. What changes, and how often:

- `patients`: deaths reach the registry in monthly batches (EST: the attachment registry is reconciled with
  the civil registry once a month), so a death shows from the first day of the month after it and the
  snapshot of 13M residents changes once a month, not with every day's deaths;
- `doctors`: when a post opens or closes (a doctor's move);
- `population`: each new year; `facility_expenses`: each day (the month in progress is spent to date);
- `hospital_departments`: when a department's beds change;
- the others never, for a given city.
"""

from __future__ import annotations

import calendar
import datetime as dt

import numpy as np
import pyarrow as pa

from services.contract import (
    AGE_BANDS,
    BED_PROFILES,
    COST_CATEGORIES,
    FUNDING_SOURCES,
    HOSPITAL_KINDS,
    SEXES,
    VISIT_TYPES,
    arrow_schema,
    table,
)
from services.simulator import calibration as cal
from services.simulator.city import CONTRACT_KIND, IS_PRIMARY, NEVER, NSPEC, City, age_band_index
from services.simulator.output import patient_strings
from services.simulator.workdays import working_days_in


def _table(name: str, columns: dict) -> pa.Table:
    schema = arrow_schema(table(name))
    return pa.Table.from_arrays([pa.array(columns[f.name], f.type) for f in schema], schema=schema)


def _dates(ordinals: np.ndarray, valid: np.ndarray) -> pa.Array:
    days = (ordinals.astype(np.int64) - dt.date(1970, 1, 1).toordinal()).astype(np.int32)
    return pa.array(days, pa.date32(), mask=~valid)


def reference_tables(city: City, end: dt.date) -> dict[str, pa.Table]:
    end_ord = end.toordinal()
    okrug_ids = [o[0] for o in cal.OKRUGS]
    out = {
        "okrugs": _table(
            "okrugs",
            {
                "okrug_id": okrug_ids,
                "name_en": [o[1] for o in cal.OKRUGS],
                "name_ru": [o[2] for o in cal.OKRUGS],
            },
        ),
        "districts": _table(
            "districts",
            {
                "district_id": np.arange(1, len(city.district_okrug) + 1),
                "okrug_id": [okrug_ids[o] for o in city.district_okrug],
                "name": city.district_names,
            },
        ),
        "facilities": _table(
            "facilities",
            {
                "facility_id": np.arange(1, len(city.fac_kind) + 1),
                "name": city.fac_names,
                "kind": [CONTRACT_KIND[k] for k in city.fac_kind],
                "parent_facility_id": [int(p) + 1 if p >= 0 else None for p in city.fac_parent],
                "okrug_id": [okrug_ids[o] for o in city.fac_okrug],
                "district_id": city.fac_district + 1,
            },
        ),
        "specialties": _table(
            "specialties",
            {
                "specialty_id": [s.specialty_id for s in cal.SPECIALTIES],
                "name_en": [s.name_en for s in cal.SPECIALTIES],
                "name_ru": [s.name_ru for s in cal.SPECIALTIES],
                "minutes_norm": [s.minutes_norm for s in cal.SPECIALTIES],
                "wait_standard": [s.wait_standard for s in cal.SPECIALTIES],
                "wait_standard_unit": [s.wait_standard_unit for s in cal.SPECIALTIES],
                "is_primary_care": [s.is_primary_care for s in cal.SPECIALTIES],
            },
        ),
    }
    # population at the start of each year from the epoch's year to the last day's year
    rows = {k: [] for k in ("year", "district_id", "sex", "age_band", "population")}
    n_d, n_b = len(city.district_okrug), len(AGE_BANDS)
    for year in range(city.epoch.year, end.year + 1):
        jan1 = dt.date(year, 1, 1).toordinal()
        alive = city.pat_death > jan1
        band = age_band_index((year * 12 - city.pat_birth_mi[alive]) // 12)
        cell = (city.pat_district[alive].astype(np.int64) * 2 + city.pat_sex[alive]) * n_b + band
        counts = np.bincount(cell, minlength=n_d * 2 * n_b)
        d, rest = np.divmod(np.arange(n_d * 2 * n_b), 2 * n_b)
        sex, b = np.divmod(rest, n_b)
        rows["year"].append(np.full(len(counts), year))
        rows["district_id"].append(d + 1)
        rows["sex"] += [SEXES[x] for x in sex]
        rows["age_band"] += [AGE_BANDS[x] for x in b]
        rows["population"].append(counts)
    for k in ("year", "district_id", "population"):
        rows[k] = np.concatenate(rows[k])
    out["population"] = _table("population", rows)

    # doctors' posts known by the last day
    known = city.post_from <= end_ord
    post_to = city.post_to[known]
    out["doctors"] = pa.Table.from_arrays(
        [
            pa.array(city.post_doctor[known] + 1, pa.int32()),
            pa.array(city.post_fac[known] + 1, pa.int32()),
            pa.array([cal.SPECIALTY_IDS[x] for x in city.post_spec[known]], pa.string()),
            pa.array(city.post_rate[known], pa.float64()),
            _dates(city.post_from[known], np.ones(int(known.sum()), bool)),
            _dates(np.minimum(post_to, end_ord), post_to < end_ord),
        ],
        schema=arrow_schema(table("doctors")),
    )

    # residents; a death shows from the first day of the month after it (monthly registry batches)
    n = city.n_patients
    years, months = np.divmod(city.pat_birth_mi.astype(np.int64), 12)
    birth = (years - 1970).astype("datetime64[Y]") + months.astype("timedelta64[M]")
    birth_days = birth.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64).astype(np.int32)
    dead = city.pat_death < dt.date(end.year, end.month, 1).toordinal()
    ins_names = pa.array(["OMS", "OMS+DMS", "none"], pa.string())
    out["patients"] = pa.Table.from_arrays(
        [
            patient_strings(city.pat_ids, np.arange(n)),
            pa.array(list(SEXES), pa.string()).take(pa.array(city.pat_sex)),
            pa.array(birth_days, pa.date32()),
            pa.array(city.pat_district + 1, pa.int32()),
            pa.array(city.pat_fac + 1, pa.int32(), mask=city.pat_fac < 0),
            ins_names.take(pa.array(city.pat_ins)),
            _dates(np.minimum(city.pat_death, NEVER - 1), dead),
        ],
        schema=arrow_schema(table("patients")),
    )

    # tariffs by year
    trows = [
        (y, f, v, cal.tariff(y, f, v)) for y in cal.TARIFF_YEARS for f in FUNDING_SOURCES for v in VISIT_TYPES
    ]
    out["tariffs"] = _table(
        "tariffs",
        {
            "year": [r[0] for r in trows],
            "funding_source": [r[1] for r in trows],
            "visit_type": [r[2] for r in trows],
            "tariff_rub": [r[3] for r in trows],
        },
    )
    out["facility_expenses"] = _expenses(city, end)
    out.update(_hospitals(city, end))
    return out


def _hospitals(city: City, end: dt.date) -> dict[str, pa.Table]:
    """The hospitals, and their departments' beds known by the last day (a change of beds closes the old
    row the day before and opens a new one, as a doctor's move does)."""
    h = city.hospitals
    okrug_ids = [o[0] for o in cal.OKRUGS]
    hospitals = _table(
        "hospitals",
        {
            "hospital_id": np.arange(1, len(h.kind) + 1),
            "name": h.names,
            "kind": [HOSPITAL_KINDS[k] for k in h.kind],
            "okrug_id": [okrug_ids[o] for o in h.okrug],
            "district_id": h.district + 1,
        },
    )
    end_ord = end.toordinal()
    unit = h.dept_unit  # each department's unit (hospital x profile): its dates are the unit's
    change = h.dept_change[unit]
    changed = change <= end_ord  # the new beds are known
    dept = np.concatenate([np.arange(len(unit)), np.flatnonzero(changed)])
    valid_from = np.concatenate([h.dept_from[unit], change[changed]])
    valid_to = np.concatenate([np.where(changed, change - 1, NEVER), np.full(int(changed.sum()), NEVER)])
    beds = np.concatenate([h.dept_beds, h.dept_beds_after[changed]])
    departments = pa.Table.from_arrays(
        [
            pa.array(dept + 1, pa.int32()),
            pa.array(h.dept_hosp[unit[dept]] + 1, pa.int32()),
            pa.array([h.dept_labels[d] for d in dept], pa.string()),
            pa.array([BED_PROFILES[h.dept_profile[unit[d]]] for d in dept], pa.string()),
            pa.array(beds, pa.int32()),
            _dates(valid_from, np.ones(len(dept), bool)),
            _dates(np.minimum(valid_to, end_ord), valid_to < NEVER),
        ],
        schema=arrow_schema(table("hospital_departments")),
    )
    return {"hospitals": hospitals, "hospital_departments": departments}


def _funding_uplift() -> float:
    """Tariff revenue of a visit against its OMS tariff, with the DMS and paid visits priced higher."""
    dms = cal.DMS_SHARE * cal.DMS_VISIT_SHARE * (cal.DMS_FACTOR / cal.MOSCOW_FACTOR - 1)
    paid = (1 - cal.DMS_SHARE) * cal.PAID_VISIT_SHARE * (cal.PAID_FACTOR / cal.MOSCOW_FACTOR - 1)
    return 1 + dms + paid


def expected_revenue(city: City, year: int) -> np.ndarray:
    """Each facility's expected tariff revenue (roubles) on a working day of the year, from the demand the
    city was built with: ordinary and planned bookings that are attended, walk-ins and urgent reserve visits
    to primary care, each at the tariff of its visit type."""
    n_keys = len(city.base_demand)
    primary = IS_PRIMARY[np.arange(n_keys) % NSPEC]
    t = {v: cal.tariff(year, "OMS", v) for v in VISIT_TYPES}
    mix_prices = (t["disease"], t["preventive"], t["screening"])
    ordinary_price = np.where(
        primary, np.dot(cal.VISIT_MIX_PRIMARY, mix_prices), np.dot(cal.VISIT_MIX_SPECIALIST, mix_prices)
    )
    attended = 1 - cal.CANCEL_RATE - float(np.mean(cal.NO_SHOW_BY_BAND))
    ordinary = city.base_demand * attended
    planned = city.planned_demand * attended
    walk_ins = np.where(primary, (ordinary + planned) * cal.WALK_IN_RATIO, 0.0)
    slots = (city.base_demand + city.planned_demand) / cal.TARGET_UTILISATION
    urgent = np.where(primary, slots / cal.URGENT_RESERVE_EVERY * 0.8, 0.0)
    value = (
        ordinary * ordinary_price
        + planned * t["dispensary"]
        + walk_ins * (0.6 * t["urgent"] + 0.4 * t["disease"])
        + urgent * t["urgent"]
    )
    return (value * _funding_uplift()).reshape(len(city.fac_kind), NSPEC).sum(axis=1)


def _expenses(city: City, end: dt.date) -> pa.Table:
    """Monthly spending per facility by cost category, from the epoch's month to the last day's month.

    A unit spends its expected tariff revenue times its cost ratio (`COST_RATIO`, drawn per unit): payroll,
    taxes, equipment and other costs evenly by month, consumables by the month's working days, utilities by
    the heating season; each month varies a little. The months at the ends are counted to the days simulated
    (the month in progress is spent to date), so expenses and tariff revenue cover the same days."""
    n_fac = len(city.fac_kind)
    cats = list(COST_CATEGORIES)
    shares = np.array([cal.COST_SHARES[c] for c in cats])
    ratio = np.random.default_rng([city.seed, 0, 2001]).uniform(*cal.COST_RATIO, n_fac)
    heat = np.array([cal.HEATING_UTILITIES_FACTOR if m in cal.HEATING_MONTHS else 1.0 for m in range(1, 13)])
    rows = {k: [] for k in ("facility_id", "month", "cost_category", "amount_rub")}
    y, m = city.epoch.year, city.epoch.month
    while (y, m) <= (end.year, end.month):
        first, n_days = dt.date(y, m, 1), calendar.monthrange(y, m)[1]
        last = dt.date(y, m, n_days)
        year_days = working_days_in(dt.date(y, 1, 1), dt.date(y, 12, 31))
        annual = expected_revenue(city, y) * year_days * ratio
        month_share = np.array(
            [
                working_days_in(first, last) / year_days if c == "drugs_consumables"
                else heat[m - 1] / heat.sum() if c == "utilities"
                else 1 / 12
                for c in cats
            ]
        )  # fmt: skip
        covered = (min(last, end) - max(first, city.epoch)).days + 1
        rng = np.random.default_rng([city.seed, y * 12 + m, 2000])
        noise = rng.normal(1.0, cal.COST_MONTHLY_NOISE, n_fac)
        total = annual * noise * covered / n_days
        amounts = np.round(total[:, None] * (shares * month_share)[None, :], 2)
        rows["facility_id"].append(np.repeat(np.arange(1, n_fac + 1), len(cats)))
        rows["month"] += [first] * (n_fac * len(cats))
        rows["cost_category"] += cats * n_fac
        rows["amount_rub"].append(amounts.reshape(-1))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    for k in ("facility_id", "amount_rub"):
        rows[k] = np.concatenate(rows[k])
    return _table("facility_expenses", rows)
