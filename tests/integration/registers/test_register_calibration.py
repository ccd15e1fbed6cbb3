"""Register prevalence computed through the warehouse recovers the simulator's calibration targets (±15%).

A city of 26,000 residents (scale 0.002) simulated for a whole year, so every registered patient has had
the dispensary visit that puts them on the register in the data (the longest interval between visits is
half a year). The landing files go to raw in bulk, the register models are built by dbt, and prevalence
is read back through `registers.prevalence` (the marts, the read API, the epidemiology methods).

What is compared: patients alive and on the register on 31 December 2025 per 100,000 of the register's
target denominator (everyone, adults 18+, or 40+ as `services.simulator.calibration` says), against the
prevalence the simulator builds the city with. Registers are matched by ICD-10 code, so the test follows
the YAML files and the simulator's table without a list of its own. Only registers with at least 200
expected patients at this scale are held to ±15%: below that the chance spread of a synthetic city alone
approaches the tolerance (tuberculosis has about 16 patients here).
"""

from __future__ import annotations

import datetime as dt

import pytest
from register_steps import build_register_models, bulk_load_raw

from registers import load_registers, prevalence
from services.simulator import calibration as cal
from services.simulator import simulate

SCALE, SEED, YEAR = 0.002, 42, 2025
TOLERANCE = 0.15
MIN_EXPECTED = 200
AGES = {"all": (None, None), "adults": (cal.ADULT_AGE, None), "adults40": (40, None)}
DENOMINATOR_SHARE = {"all": 1.0, "adults": 0.8, "adults40": 0.5}  # rough, only to pick the registers


def _expected_cases(reg: cal.Register) -> float:
    return reg.per_100k / 1e5 * cal.RESIDENTS * SCALE * DENOMINATOR_SHARE[reg.denominator]


CHECKED = [r for r in cal.REGISTERS if _expected_cases(r) >= MIN_EXPECTED]


@pytest.fixture(scope="module")
def year_city(tmp_path_factory):
    data = tmp_path_factory.mktemp("register_year")
    simulate(data / "landing", scale=SCALE, start=dt.date(YEAR, 1, 1), days=365, seed=SEED)
    bulk_load_raw(data / "warehouse.duckdb", data / "landing")
    build_register_models(data / "warehouse.duckdb")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("EMIAS_DATA_DIR", str(data))
        mp.delenv("EMIAS_DUCKDB_PATH", raising=False)
        mp.delenv("EMIAS_TARGET", raising=False)
        yield data


def _register_code(sim_register: cal.Register) -> str:
    codes = [r.code for r in load_registers() if r.matches(sim_register.code_range[0])]
    assert len(codes) == 1, f"one YAML register should hold {sim_register.code_range[0]}, found {codes}"
    return codes[0]


def test_enough_registers_are_checked():
    assert len(CHECKED) >= 8, [r.register_id for r in CHECKED]


@pytest.mark.parametrize("sim_register", CHECKED, ids=[r.register_id for r in CHECKED])
def test_prevalence_recovers_the_calibration_target(year_city, sim_register):
    code = _register_code(sim_register)
    result = prevalence(
        code, YEAR, by=None, standardise=None, ages=AGES[sim_register.denominator], suppress=False
    )
    assert len(result) == 1
    row = result.iloc[0]
    ratio = row["crude_rate"] / sim_register.per_100k
    print(
        f"{code}: {row['registered_patients']:.0f} patients / {row['population']:.0f} at risk = "
        f"{row['crude_rate']:.0f} per 100k; target {sim_register.per_100k:.0f} ({ratio:.3f})"
    )
    assert abs(ratio - 1) <= TOLERANCE, (
        f"{code}: {row['crude_rate']:.0f} per 100k against the target {sim_register.per_100k:.0f} "
        f"({ratio - 1:+.1%}; {row['registered_patients']:.0f} patients on 31 December)"
    )
