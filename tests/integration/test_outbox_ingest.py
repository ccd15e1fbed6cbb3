"""A day of activity through the API reaches the marts through the outbox, exactly once, even when the
ingest is killed half-way and run again."""

import datetime as dt
import shutil
import subprocess
import sys
import textwrap
from collections import Counter
from pathlib import Path

import duckdb

from pipelines.assets.outbox import ingest_outbox
from pipelines.build import build
from services.api.activity import drive_activity
from services.api.outbox import read_outbox, set_clock
from services.api.seed import seed_from_landing
from services.api.settings import Settings as ApiSettings
from services.contract import transaction_tables
from services.contract.landing import landed_days
from warehouse.ingest import target_for

ROOT = Path(__file__).resolve().parents[2]


def test_api_activity_lands_in_the_marts_through_the_outbox_despite_a_kill(built_city, tmp_path, monkeypatch):
    data = tmp_path / "data"
    shutil.copytree(built_city["data_dir"] / "landing", data / "landing")
    shutil.copy(built_city["data_dir"] / "warehouse.duckdb", data / "warehouse.duckdb")
    monkeypatch.setenv("EMIAS_DATA_DIR", str(data))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))

    # the API carries the simulated city on: its clock starts the morning after the last simulated day
    last_day = max(d for t in transaction_tables() for d in landed_days(data / "landing", t.name))
    clock = dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time(8, 0))
    url = f"sqlite:///{data / 'api.sqlite'}"  # where the build looks for the API's store
    seed_from_landing(data / "landing", url, from_date=clock.date())
    try:
        written = drive_activity(
            url, bookings=40, seed=1, settings=ApiSettings(api_db_url=url, api_clock_start=clock)
        )
    finally:
        set_clock(None)
    outbox = read_outbox(url, 0, 1_000_000)
    expected = Counter(r.table_name for r in outbox)
    assert expected["appointment_booked"] == written["appointment_booked"] > 10

    # an ingest in its own process, killed after its third batch has committed
    script = textwrap.dedent(
        f"""
        import duckdb
        from pipelines.assets.outbox import ingest_outbox
        from warehouse.ingest import target_for
        con = duckdb.connect({str(data / "warehouse.duckdb")!r})
        report = lambda load: print(load.last_seq, flush=True)
        ingest_outbox(target_for(con), {url!r}, batch_rows=7, on_batch=report)
        print("finished", flush=True)
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    batches = [proc.stdout.readline() for _ in range(3)]
    proc.kill()
    proc.wait()
    assert all(b.strip().isdigit() for b in batches), batches

    with duckdb.connect(str(data / "warehouse.duckdb")) as con:
        target = target_for(con)
        watermark = target.execute("select last_seq from raw.raw_outbox_watermark")[0][0]
        assert watermark < outbox[-1].seq, "the kill came after the whole outbox was loaded"
        ingest_outbox(target, url, batch_rows=7)  # the re-run resumes after the last committed batch
        for name, n in expected.items():
            loaded = target.execute(
                f"select count(*), count(distinct event_id) from raw.{name} as r "
                "join raw.raw_load_files as f on f.file = r._file "
                f"and f.table_name = '{name}' where f.source_file like 'outbox:%' and r._file < 0"
            )
            assert loaded == [(n, n)], name
        assert target.execute("select count(*) from raw.raw_quarantine") == [(0,)]

    build("duckdb")  # reloading the landing files leaves the outbox rows in place
    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as con:
        api_appointments = con.execute(
            "select count(*) from marts.fct_appointments where booked_at >= ?", [clock]
        ).fetchone()[0]
        outbox_rows = con.execute(
            "select count(*) from raw.appointment_booked as r join raw.raw_load_files as f "
            "on f.file = r._file and f.table_name = 'appointment_booked' "
            "where f.source_file like 'outbox:%'"
        ).fetchone()[0]
    assert api_appointments == outbox_rows == expected["appointment_booked"]
