"""The whole slice on a small city: landing files -> raw -> dbt marts, on DuckDB and PostgreSQL."""

import datetime as dt
import os
import shutil
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import registers
from pipelines.build import build
from services.contract import TABLES, arrow_schema, table
from services.contract.landing import transaction_dir

MARTS = ["dim_facilities", "fct_appointments", "mart_facility_load_daily"]


def _counts(con_execute) -> dict[str, int]:
    counts = {f"raw.{t}": con_execute(f"select count(*) from raw.{t}")[0][0] for t in TABLES}
    counts |= {f"marts.{m}": con_execute(f"select count(*) from marts.{m}")[0][0] for m in MARTS}
    counts["raw.raw_quarantine"] = con_execute("select count(*) from raw.raw_quarantine")[0][0]
    return counts


def _duckdb_counts(data_dir) -> dict[str, int]:
    with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as con:
        return _counts(lambda sql: con.execute(sql).fetchall())


def test_the_build_loads_every_table_and_quarantines_nothing(built_city):
    counts = _duckdb_counts(built_city["data_dir"])
    assert counts["raw.raw_quarantine"] == 0, "the simulator's export must validate against the contract"
    for name in [
        "okrugs",
        "facilities",
        "patients",
        "slot_published",
        "appointment_booked",
        "encounter_closed",
    ]:
        assert counts[f"raw.{name}"] > 0, name
    assert all(counts[f"marts.{m}"] > 0 for m in MARTS)
    assert built_city["report"].failed_checks == []
    with duckdb.connect(str(built_city["data_dir"] / "warehouse.duckdb"), read_only=True) as con:
        okrugs = con.execute("select count(distinct okrug_id) from marts.dim_facilities").fetchone()[0]
        util = con.execute(
            "select min(utilisation), max(utilisation) from marts.mart_facility_load_daily"
        ).fetchone()
    assert okrugs == 12
    assert 0 <= util[0] <= util[1] <= 1


def test_building_twice_gives_the_same_counts_and_one_partition_leaves_the_others(built_city, monkeypatch):
    data_dir = built_city["data_dir"]
    monkeypatch.setenv("EMIAS_DATA_DIR", str(data_dir))
    monkeypatch.setenv("DAGSTER_HOME", str(data_dir / "dagster_home"))
    before = _duckdb_counts(data_dir)
    build("duckdb")
    assert _duckdb_counts(data_dir) == before

    def load_ids():
        with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as con:
            return dict(
                con.execute(
                    "select cast(r._partition_date as varchar), min(f.load_id) "
                    "from raw.appointment_booked as r join raw.raw_load_files as f "
                    "on f.file = r._file and f.table_name = 'appointment_booked' group by 1"
                ).fetchall()
            )

    old = load_ids()
    day = sorted(old)[3]
    build("duckdb", dt.date.fromisoformat(day))
    new = load_ids()
    assert new[day] != old[day]  # that day was reloaded...
    assert {d: i for d, i in new.items() if d != day} == {
        d: i for d, i in old.items() if d != day
    }  # ...alone
    assert _duckdb_counts(data_dir) == before


def test_postgres_build_matches_duckdb(built_city, built_city_postgres):
    import psycopg

    with psycopg.connect(dbname=built_city_postgres) as con:
        pg = _counts(lambda sql: con.execute(sql).fetchall())
    assert pg == _duckdb_counts(built_city["data_dir"])


def test_a_bad_row_is_quarantined_named_by_the_check_and_the_good_rows_load(
    built_city, monkeypatch, tmp_path
):
    data_dir = tmp_path / "data"
    day = dt.date(2025, 1, 10)

    def after_the_day(_folder, names):  # the city up to the bad row's day is enough
        return [n for n in names if n.startswith("date=") and n > f"date={day.isoformat()}"]

    shutil.copytree(built_city["data_dir"] / "landing", data_dir / "landing", ignore=after_the_day)
    monkeypatch.setenv("EMIAS_DATA_DIR", str(data_dir))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    folder = transaction_dir(data_dir / "landing", "appointment_booked", day)
    good_rows = pq.read_table(next(folder.glob("*.parquet"))).num_rows
    bad = dict(
        event_id=9_000_000_000_001, occurred_at=dt.datetime(2025, 1, 10, 10),
        appointment_id=9_000_000_000_001, slot_id=424242, patient_id="0123456789abcdef",
        channel="portal", referral_id=None,
    )  # fmt: skip
    pq.write_table(
        pa.Table.from_pylist([bad], schema=arrow_schema(table("appointment_booked"))), folder / "late.parquet"
    )
    report = build("duckdb")
    assert "raw/appointment_booked:no_quarantined_rows" in report.warnings
    assert report.failed_checks == []  # landing = raw + quarantine still holds
    with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as con:
        reason, source = con.execute("select reason, source_file from raw.raw_quarantine").fetchone()
        loaded = con.execute(
            "select count(*) from raw.appointment_booked where _partition_date = ?", [day]
        ).fetchone()[0]
    unknown = "is unknown (no earlier slot_published row with this slot_id)"
    assert reason == f"slot_id: isForeignKey: 424242 {unknown}"
    assert source.endswith("late.parquet")
    assert loaded == good_rows


def test_a_day_that_has_not_landed_is_refused(built_city, monkeypatch):
    from pipelines.build import BuildError

    monkeypatch.setenv("EMIAS_DATA_DIR", str(built_city["data_dir"]))
    with pytest.raises(BuildError, match="has not landed: the last landed day is 2025-01-26"):
        build("duckdb", dt.date(2025, 2, 1))


def _registers_state(data_dir) -> tuple:
    """(when the register tables were loaded, the diabetes register's title in the marts, when the
    appointments' fact table was last built)."""
    with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as con:
        (loaded_at,) = con.execute("select max(_loaded_at) from raw.register_definitions").fetchone()
        (title,) = con.execute(
            "select title_en from marts.dim_registers where register_code = 'diabetes'"
        ).fetchone()
        (facts_built_at,) = con.execute("select max(_built_at) from marts.fct_appointments").fetchone()
    return loaded_at, title, facts_built_at


def test_changed_register_definitions_alone_reach_the_marts(built_city, tmp_path, monkeypatch):
    """No day has changed: unchanged definitions are left as they were; a changed one is loaded and the
    models on it rebuilt (a definition is reference data without a load-log row of its own)."""
    data_dir = tmp_path / "city"
    shutil.copytree(built_city["data_dir"] / "landing", data_dir / "landing")
    shutil.copy(built_city["data_dir"] / "warehouse.duckdb", data_dir / "warehouse.duckdb")
    definitions = tmp_path / "registers"
    shutil.copytree(Path(registers.__file__).parent / "definitions", definitions)
    monkeypatch.setenv("EMIAS_DATA_DIR", str(data_dir))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    monkeypatch.setenv("EMIAS_REGISTERS_DIR", str(definitions))
    before = _registers_state(data_dir)
    loaded_at, title, facts_built_at = before
    assert title == "Diabetes mellitus"

    build("duckdb")
    assert _registers_state(data_dir) == before

    diabetes = definitions / "diabetes.yaml"
    renamed = diabetes.read_text().replace('"Diabetes mellitus"', '"Diabetes mellitus (all types)"')
    diabetes.write_text(renamed)
    build("duckdb")
    new_loaded_at, new_title, new_facts_built_at = _registers_state(data_dir)
    assert new_loaded_at > loaded_at
    assert new_title == "Diabetes mellitus (all types)"
    assert new_facts_built_at == facts_built_at  # a model with no register input is left as it was


def _calendar_state(data_dir) -> tuple:
    """(when the production calendar was written, 15 January 2025's kind in dim_dates, when the appointments'
    fact table and the weekly access mart were last built)."""
    with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as con:
        (loaded_at,) = con.execute("select max(_loaded_at) from raw.production_calendar").fetchone()
        (kind,) = con.execute("select day_kind from marts.dim_dates where date_day = '2025-01-15'").fetchone()
        (facts_built_at,) = con.execute("select max(_built_at) from marts.fct_appointments").fetchone()
        (access_built_at,) = con.execute("select max(_built_at) from marts.mart_access_weekly").fetchone()
    return loaded_at, kind, facts_built_at, access_built_at


def test_a_changed_production_calendar_alone_reaches_the_marts(built_city, tmp_path, monkeypatch):
    """No day has changed: an unchanged calendar is not written again; a new decree (here: Wednesday
    15 January 2025 made a day off) is written and the models counting working days rebuilt whole, the
    facts without a calendar input left as they were."""
    from services.contract import calendar

    data_dir = tmp_path / "city"
    shutil.copytree(built_city["data_dir"] / "landing", data_dir / "landing")
    shutil.copy(built_city["data_dir"] / "warehouse.duckdb", data_dir / "warehouse.duckdb")
    monkeypatch.setenv("EMIAS_DATA_DIR", str(data_dir))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    before = _calendar_state(data_dir)
    loaded_at, kind, facts_built_at, access_built_at = before
    assert kind == "working"

    build("duckdb")
    assert _calendar_state(data_dir) == before

    real = calendar.production_calendar

    def with_a_new_day_off(first_year, last_year):
        days = real(first_year, last_year)
        return [
            d._replace(day_kind="holiday", holiday_name="Day off (decree)")
            if d.date_day == dt.date(2025, 1, 15)
            else d
            for d in days
        ]

    monkeypatch.setattr("warehouse.calendar.production_calendar", with_a_new_day_off)
    build("duckdb")
    new_loaded_at, new_kind, new_facts_built_at, new_access_built_at = _calendar_state(data_dir)
    assert new_loaded_at > loaded_at
    assert new_kind == "holiday"
    assert new_access_built_at > access_built_at  # waits in working days counted again
    assert new_facts_built_at == facts_built_at  # a model with no calendar input is left as it was


def _views(con) -> list[tuple[str, str]]:
    return con.execute(
        "select table_schema, table_name from information_schema.views "
        "where table_schema not in ('pg_catalog', 'information_schema') order by 1, 2"
    ).fetchall()


def _slot_files(con) -> list[tuple]:
    return con.execute(
        "select partition_date, source_file, landing_rows from raw.raw_load_files "
        "where table_name = 'slot_published' and landing_rows > 0 order by 1, 2"
    ).fetchall()


def test_a_postgres_warehouse_migrated_to_file_numbers_gets_its_views_back_with_nothing_new_landed(
    built_city, postgres_database, monkeypatch, tmp_path
):
    """PostgreSQL binds a view to every column of the raw table it reads, so the lineage migration drops
    dbt's views with the label and load id columns (`_source_file`, `_load_id`). The next build has
    nothing new to load, and must still run dbt, which makes them again."""
    import subprocess
    import sys

    import psycopg

    from pipelines.dbt import DBT_PROJECT_DIR

    data_dir = tmp_path / "data"
    last = dt.date(2025, 1, 8)

    def after_the_day(_folder, names):  # a few days are enough
        return [n for n in names if n.startswith("date=") and n > f"date={last.isoformat()}"]

    shutil.copytree(built_city["data_dir"] / "landing", data_dir / "landing", ignore=after_the_day)
    monkeypatch.setenv("EMIAS_DATA_DIR", str(data_dir))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    monkeypatch.setenv("PGDATABASE", postgres_database)
    build("postgres")
    with psycopg.connect(dbname=postgres_database, autocommit=True) as con:
        views = _views(con)
        assert ("staging", "stg_operational__slots_published") in views
        files = _slot_files(con)
        # the raw table as a warehouse from before the files table had it: a label and a load id per row
        for sql in [
            "alter table raw.slot_published add column _source_file varchar",
            "alter table raw.slot_published add column _load_id varchar",
            "update raw.slot_published as r set _source_file = f.source_file, _load_id = f.load_id "
            "from raw.raw_load_files as f where f.table_name = 'slot_published' and f.file = r._file",
            "delete from raw.raw_load_files where table_name = 'slot_published'",
            "alter table raw.slot_published drop column _file cascade",
        ]:
            con.execute(sql)
    # ... and dbt's views made on it (bound to the label column), as that warehouse's builds left them
    subprocess.run(
        [str(Path(sys.executable).parent / "dbt"), "run", "--quiet", "--select", "config.materialized:view"]
        + ["--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR)]
        + ["--target", "postgres", "--target-path", str(tmp_path / "dbt-target")],
        check=True,
        env={**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"},
        cwd=DBT_PROJECT_DIR,
    )
    with psycopg.connect(dbname=postgres_database) as con:
        assert _views(con) == views
        (slots,) = con.execute("select count(*) from raw.slot_published").fetchone()

    report = build("postgres")  # migrates the raw table; nothing new has landed
    assert report.failed_checks == []
    with psycopg.connect(dbname=postgres_database) as con:
        columns = [r[0] for r in con.execute(
            "select column_name from information_schema.columns "
            "where table_schema = 'raw' and table_name = 'slot_published'"
        ).fetchall()]  # fmt: skip
        assert "_source_file" not in columns and "_load_id" not in columns and "_file" in columns
        assert _views(con) == views
        assert con.execute("select count(*) from staging.stg_operational__slots_published").fetchone() == (
            slots,
        )
        # the files that left rows are listed again (an empty file left none to tell of it)
        assert _slot_files(con) == files
