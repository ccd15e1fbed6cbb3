"""Fixtures shared by every layer of tests."""

from __future__ import annotations

import os
import uuid

import pytest


@pytest.fixture(scope="session")
def postgres_env() -> dict[str, str]:
    """The PG* variables of the PostgreSQL server the tests use (`.ci/run` starts one with `.ci/pg start`).

    A test that needs PostgreSQL fails, rather than skips, when none is configured: a skipped database
    test would hide exactly the failures it exists to catch.
    """
    if not os.environ.get("PGHOST"):
        pytest.fail(
            'no PostgreSQL configured: run `eval "$(bash .ci/pg start)"` first (it sets PGHOST, PGPORT...)'
        )
    return {k: os.environ.get(k, "") for k in ("PGHOST", "PGPORT", "PGUSER", "PGPASSWORD", "PGDATABASE")}


@pytest.fixture(params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def target(request, tmp_path):
    """A warehouse's raw layer to load into (`warehouse.ingest`): a DuckDB file, then a fresh PostgreSQL
    database."""
    from warehouse.ingest import target_for

    if request.param == "duckdb":
        import duckdb

        con = duckdb.connect(str(tmp_path / "w.duckdb"))
    else:
        import psycopg

        con = psycopg.connect(dbname=request.getfixturevalue("postgres_database"), autocommit=True)
    t = target_for(con)
    t.ensure_raw_schema()
    yield t
    con.close()


@pytest.fixture
def postgres_database(postgres_env):
    """A fresh, empty database on the test server, dropped afterwards. Yields its name."""
    import psycopg

    name = f"emias_test_{uuid.uuid4().hex[:10]}"
    admin = psycopg.connect(dbname=postgres_env["PGDATABASE"] or "postgres", autocommit=True)
    admin.execute(f'create database "{name}"')
    try:
        yield name
    finally:
        admin.execute(f'drop database if exists "{name}" with (force)')
        admin.close()


# ------------------------------------------------------------------------------------ a small city

CITY = {"scale": 0.001, "start": "2025-01-06", "days": 21, "seed": 7}


@pytest.fixture(scope="session")
def city_dir(tmp_path_factory):
    """A small simulated city's landing folder (simulated once per test session)."""
    import datetime as dt

    from services.simulator import simulate

    data = tmp_path_factory.mktemp("city")
    simulate(
        data / "landing",
        scale=CITY["scale"],
        start=dt.date.fromisoformat(CITY["start"]),
        days=CITY["days"],
        seed=CITY["seed"],
    )
    return data


@pytest.fixture(scope="session")
def built_city(city_dir):
    """The small city built into a DuckDB warehouse; EMIAS_DATA_DIR points at it for the session."""
    from pipelines.build import build

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("EMIAS_DATA_DIR", str(city_dir))
        mp.setenv("DAGSTER_HOME", str(city_dir / "dagster_home"))
        mp.delenv("EMIAS_TARGET", raising=False)
        mp.delenv("EMIAS_DUCKDB_PATH", raising=False)
        report = build("duckdb")
        yield {"data_dir": city_dir, "report": report}


@pytest.fixture(scope="session")
def built_city_postgres(built_city, postgres_env, tmp_path_factory):
    """The same small city built into PostgreSQL once per session (the tests compare it with DuckDB).

    Yields the database's name on the test server."""
    import psycopg

    from pipelines.build import build

    name = f"emias_city_{uuid.uuid4().hex[:10]}"
    admin = psycopg.connect(dbname=postgres_env["PGDATABASE"] or "postgres", autocommit=True)
    admin.execute(f'create database "{name}"')
    try:
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("EMIAS_DATA_DIR", str(built_city["data_dir"]))
            mp.setenv("DAGSTER_HOME", str(tmp_path_factory.mktemp("dagster_pg")))
            mp.setenv("PGDATABASE", name)
            build("postgres")
        yield name
    finally:
        admin.execute(f'drop database if exists "{name}" with (force)')
        admin.close()
