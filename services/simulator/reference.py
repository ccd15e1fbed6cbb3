"""The reference snapshots of the contract, as of the last day of a run.

Each run rewrites them whole (the latest wins). They depend only on the city and the run's last day, so a
run continued in pieces ends with the same snapshots as one long run.
"""

from __future__ import annotations

import calendar
import datetime as dt

import numpy as np
import pyarrow as pa

from services.contract import (
    AGE_BANDS,
    COST_CATEGORIES,
    FUNDING_SOURCES,
    SEXES,
    VISIT_TYPES,
    arrow_schema,
    table,
)
from services.simulator import calibration as cal
from services.simulator.city import CONTRACT_KIND, IS_PRIMARY, NEVER, NSPEC, City, age_band_index
from services.simulator.output import patient_strings


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

    # residents; a death shows once it has happened
    n = city.n_patients
    years, months = np.divmod(city.pat_birth_mi.astype(np.int64), 12)
    birth = (years - 1970).astype("datetime64[Y]") + months.astype("timedelta64[M]")
    birth_days = birth.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64).astype(np.int32)
    dead = city.pat_death <= end_ord
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
    return out


def _expenses(city: City, end: dt.date) -> pa.Table:
    """Monthly spending per facility: the tariff value of its expected visits, a little above it, by category.

    Expected visits come from the demand the city was built with (bookings and walk-ins), so costs per visit
    in the warehouse land near the tariffs, higher where units are under-used.
    """
    n_fac = len(city.fac_kind)
    per_key = city.base_demand * np.where(IS_PRIMARY[np.arange(len(city.base_demand)) % NSPEC], 1.3, 1.1)
    per_fac_weekday = per_key.reshape(n_fac, NSPEC).sum(axis=1)
    doctors = np.bincount(city.post_fac, minlength=n_fac)
    cats = list(COST_CATEGORIES)
    shares = np.array([cal.COST_SHARES[c] for c in cats])
    rows = {k: [] for k in ("facility_id", "month", "cost_category", "amount_rub")}
    y, m = city.epoch.year, city.epoch.month
    while (y, m) <= (end.year, end.month):
        first = dt.date(y, m, 1)
        weekdays = sum(
            1 for d in range(1, calendar.monthrange(y, m)[1] + 1) if dt.date(y, m, d).weekday() < 5
        )
        rng = np.random.default_rng([city.seed, y * 12 + m, 2000])
        revenue = per_fac_weekday * weekdays * cal.tariff(y, "OMS", "disease")
        fixed = doctors * 20_000.0 * (1 + cal.TARIFF_GROWTH) ** (y - 2022)  # a floor for quiet units
        total = (revenue * cal.EXPENSE_TO_REVENUE + fixed) * rng.uniform(0.95, 1.05, n_fac)
        amounts = np.round(total[:, None] * shares[None, :], 2)
        rows["facility_id"].append(np.repeat(np.arange(1, n_fac + 1), len(cats)))
        rows["month"] += [first] * (n_fac * len(cats))
        rows["cost_category"] += cats * n_fac
        rows["amount_rub"].append(amounts.reshape(-1))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    for k in ("facility_id", "amount_rub"):
        rows[k] = np.concatenate(rows[k])
    return _table("facility_expenses", rows)
