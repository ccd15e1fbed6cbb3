"""The register marts build on DuckDB (the session's small city, built by `emias build`'s code path) and on
PostgreSQL (the same landing files, the register models alone), and agree."""

from __future__ import annotations

import duckdb
import psycopg

from registers import load_registers

MARTS = ["dim_registers", "fct_register_memberships", "mart_register_prevalence"]
MARTS += ["mart_register_incidence", "mart_register_coverage"]
TOTALS = """
    select register_code, sum(registered_patients), sum(population)
    from marts.mart_register_prevalence group by register_code order by register_code
"""


def _plain(row) -> tuple:
    """PostgreSQL sums are Decimal, DuckDB's are int: compare them as ints."""
    return tuple(v if isinstance(v, str) else int(v) for v in row)


def test_the_build_loads_the_definitions_and_fills_the_register_marts(built_city):
    with duckdb.connect(str(built_city["data_dir"] / "warehouse.duckdb"), read_only=True) as con:
        codes = [r[0] for r in con.execute("select register_code from raw.register_definitions").fetchall()]
        counts = {m: con.execute(f"select count(*) from marts.{m}").fetchone()[0] for m in MARTS}
        on_register = con.execute(
            "select sum(registered_patients) from marts.mart_register_prevalence"
        ).fetchone()
    assert sorted(codes) == sorted(r.code for r in load_registers())
    assert all(counts.values()), counts
    assert on_register[0] > 0


def test_the_register_marts_build_on_postgres_and_match_duckdb(built_city, built_city_postgres):
    with psycopg.connect(dbname=built_city_postgres) as con:
        pg = [_plain(row) for row in con.execute(TOTALS)]
        pg_counts = {m: con.execute(f"select count(*) from marts.{m}").fetchone()[0] for m in MARTS}
    with duckdb.connect(str(built_city["data_dir"] / "warehouse.duckdb"), read_only=True) as con:
        dk = [
            tuple(int(v) if not isinstance(v, str) else v for v in row)
            for row in con.execute(TOTALS).fetchall()
        ]
        dk_counts = {m: con.execute(f"select count(*) from marts.{m}").fetchone()[0] for m in MARTS}
    assert pg == dk
    assert pg_counts == dk_counts
