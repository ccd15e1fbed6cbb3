"""Every dashboard page for every role, headless (streamlit.testing) on the small built city.

Allowed pages render without an exception and with their charts and tables, every table labelled for people
(no machine names, no "None", no midnight timestamps, shares with %); refused pages stop with an error; an
epidemiologist sees no named facility and no doctor; a count of 3 patients is suppressed on a page and in its
CSV download.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import duckdb
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from dashboards.roles import CHIEF_PHYSICIAN, PAGES, ROLES, may_see, sees_facilities

APP = str(Path(__file__).resolve().parents[2] / "dashboards" / "app.py")

# charts and tables each page must show on the small city (at least)
EXPECTED = {
    "city_overview": (5, 2),
    "access": (5, 2),
    "capacity": (3, 3),
    "costs": (3, 2),
    # the small city's 21 days hold no index stay with its 30 days of follow-up: no readmission chart or table
    "hospitals": (6, 4),
    "facility_comparison": (5, 4),
    "facility_load": (1, 1),
    "disease_registers": (5, 4),
    "prescribing": (3, 2),
    "data_quality": (0, 4),
}


@pytest.fixture(scope="module")
def city(built_city):
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("EMIAS_DATA_DIR", str(built_city["data_dir"]))
        st.cache_data.clear()  # cached readers must not answer from another test's warehouse
        con = duckdb.connect(str(Path(built_city["data_dir"]) / "warehouse.duckdb"), read_only=True)
        facility_id = con.execute(
            "select min(facility_id) from marts.dim_facilities where facility_kind = 'adult_polyclinic'"
        ).fetchone()[0]
        names = dict(con.execute("select facility_id, facility_name from marts.dim_facilities").fetchall())
        con.close()
        yield {"facility_id": int(facility_id), "names": names, "data_dir": built_city["data_dir"]}


def _app(role: str, facility_id: int, page: str) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=60)
    app.session_state["user"] = {
        "name": f"test_{role}",
        "role": role,
        "facility_id": facility_id if role == CHIEF_PHYSICIAN else None,
        "display_name": None,
    }
    app.session_state["filter_facility"] = str(facility_id) if page.startswith("facility") else "All"
    app.session_state["filter_period"] = "All data"
    app.run()
    app.switch_page(f"views/{page}.py")
    return app.run()


@pytest.mark.parametrize("role", list(ROLES))
@pytest.mark.parametrize("page", [p.key for p in PAGES])
def test_page_for_role(city, role, page):
    app = _app(role, city["facility_id"], page)
    assert not app.exception, [e.value for e in app.exception]
    errors = [e.value for e in app.error]
    if not may_see(role, page):
        assert errors and errors[0].startswith("Refused"), errors
        assert not app.get("plotly_chart") and not app.dataframe
        return
    assert not errors, errors
    missing = [i.value for i in app.info if i.value.startswith("Not available yet")]
    assert not missing, missing
    charts, tables = EXPECTED[page]
    if page == "capacity" and not sees_facilities(role):
        tables -= 1  # no doctor table for a role that sees no doctor (docs/dashboards.md "Roles")
    assert len(app.get("plotly_chart")) >= charts
    assert len(app.dataframe) >= tables
    assert len(app.get("download_button")) == len(app.dataframe)  # every table downloads as CSV
    for table in app.dataframe:
        _assert_readable(table.value)


MACHINE_NAME = re.compile(r"^[a-z0-9]+(_[a-z0-9]+)+$")  # within_standard_share, crude_lower95_0cl...


def _assert_readable(frame) -> None:
    """A table as people read it: labelled columns, no "None", no midnight timestamps, no code names."""
    names = [c for c in frame.columns if MACHINE_NAME.match(str(c)) or str(c).endswith("suppressed")]
    assert not names, names
    text = frame.astype(str)
    for column in text.columns:
        cells = set(text[column])
        assert not cells & {"None", "nan", "NaN", "<NA>", "NaT"}, (column, cells & {"None", "nan", "<NA>"})
        assert not any("00:00:00" in c for c in cells), column
        assert not any(MACHINE_NAME.match(c) for c in cells if c[:1].isalpha()), (column, sorted(cells)[:5])


def test_an_epidemiologist_sees_no_named_facility_or_doctor(city):
    """docs/dashboards.md: the registers and every aggregate page, at city and okrug level."""
    for page in ("city_overview", "access", "capacity", "costs", "prescribing"):
        app = _app("epidemiologist", city["facility_id"], page)
        assert not app.exception, [e.value for e in app.exception]
        assert not _has_key(app, "filter_facility"), page
        shown = " ".join(str(t.value.to_dict()) + " ".join(map(str, t.value.columns)) for t in app.dataframe)
        shown += " ".join(chart.proto.spec for chart in app.get("plotly_chart"))
        assert "Doctor ID" not in shown, page
        named = [name for name in city["names"].values() if f"{name}" in shown]
        assert not named, (page, named[:3])


def _has_key(app, key) -> bool:
    try:
        app.selectbox(key=key)
    except KeyError:
        return False
    return True


def test_the_register_page_opens_on_the_register_with_most_patients(city):
    app = _app("epidemiologist", city["facility_id"], "disease_registers")
    con = duckdb.connect(str(Path(city["data_dir"]) / "warehouse.duckdb"), read_only=True)
    largest = con.execute(
        "select register_code from marts.mart_register_prevalence where year = ? group by 1"
        " order by sum(registered_patients) desc, 1 limit 1",
        [app.selectbox(key="register_year").value],
    ).fetchone()[0]
    con.close()
    assert app.selectbox(key="register").value == largest


def test_a_chief_physician_sees_peers_only_in_aggregate(city, monkeypatch):
    stores = _record_media_stores(monkeypatch)
    app = _app(CHIEF_PHYSICIAN, city["facility_id"], "facility_comparison")
    peers = _csv(app, stores, "facility_peers")
    assert peers["facility_id"].dropna().astype(int).tolist() == [city["facility_id"]]
    assert len(peers) == 2 and peers["facility_name"].iloc[1].startswith("all ")
    assert _table(app, "Attended or missed")["Facility"].iloc[1].startswith("all ")
    funnels = " ".join(chart.proto.spec for chart in app.get("plotly_chart")[:3])
    assert '"peer"' in funnels
    others = [name for fid, name in city["names"].items() if fid != city["facility_id"]]
    assert not [name for name in others if f'"{name}"' in funnels]


def test_the_hospitals_page_reads_occupancy_from_the_midnight_census(city, monkeypatch):
    stores = _record_media_stores(monkeypatch)
    app = _app("leader", city["facility_id"], "hospitals")
    con = duckdb.connect(str(Path(city["data_dir"]) / "warehouse.duckdb"), read_only=True)
    census, beds = con.execute(
        "select sum(midnight_census), sum(beds) from marts.mart_bed_occupancy_daily"
        " where hospital_id = 1 and bed_profile = 'therapeutic' and date_day between"
        # "All data": the days with activity (the hospitals' warm-up weeks before them are left out)
        " (select min(activity_date) from marts.mart_capacity_daily) and"
        " (select max(activity_date) filter (where encounters > 0) from marts.mart_capacity_daily)"
    ).fetchone()
    con.close()
    table = _table(app, "Bed occupancy (%)")
    row = table[(table["Bed profile"] == "Therapeutic") & (table["Hospital"] == table["Hospital"].iloc[0])]
    assert row["Bed occupancy (%)"].tolist() == [f"{100 * census / beds:.1f}%"], (census, beds)
    occupancy = _csv(app, stores, "hospital_occupancy")
    assert (
        occupancy.loc[occupancy["bed_profile"] == "therapeutic", "occupied_bed_days"].astype(int).sum()
        == census
    )
    titles = " ".join(chart.proto.spec for chart in app.get("plotly_chart"))
    assert "Bed occupancy by day: midnight census over staffed beds" in titles
    assert "against the 86% norm" in titles and "Average length of stay by bed profile" in titles
    profiles = json.loads(app.get_by_key("chart_occupancy_heatmap").proto.spec)["data"][0]["y"]
    assert "Therapeutic" in profiles and len(profiles) == len(set(table["Bed profile"]))
    app.radio(key="occupancy_rows").set_value("Hospitals").run()
    hospitals = json.loads(app.get_by_key("chart_occupancy_heatmap").proto.spec)["data"][0]["y"]
    assert hospitals == list(dict.fromkeys(table["Hospital"]))
    shown = " ".join(m.value for m in app.markdown)
    assert "index stay" in shown and "within 30 days" in shown  # the readmission definition is stated
    said = [i.value for i in app.info]
    assert any("30 days of follow-up" in i for i in said), said  # 21 days of data: no index stay yet


def test_the_facility_comparison_shows_avoidable_admissions_against_peers(city, monkeypatch):
    stores = _record_media_stores(monkeypatch)
    app = _app(CHIEF_PHYSICIAN, city["facility_id"], "facility_comparison")
    assert "Avoidable admissions of the attached adults (AHRQ PQI)" in [h.value for h in app.subheader]
    assert app.selectbox(key="avoidable_pqi").value == "90"
    funnel = app.get_by_key("funnel_avoidable").proto.spec
    assert "PQI 90: overall composite: standardised rate per 100,000" in funnel
    con = duckdb.connect(str(Path(city["data_dir"]) / "warehouse.duckdb"), read_only=True)
    own, peers = con.execute(
        "select sum(admissions) filter (where facility_id = ?),"
        " count(distinct facility_id) filter (where facility_id <> ?)"
        " from marts.mart_avoidable_admissions_yearly a join marts.dim_facilities using (facility_id)"
        " where pqi_number = '90' and year = 2025 and facility_kind = 'adult_polyclinic'",
        [city["facility_id"], city["facility_id"]],
    ).fetchone()
    con.close()
    table = _csv(app, stores, "avoidable_admissions")
    assert table["facility_id"].dropna().astype(int).tolist() == [city["facility_id"]]
    assert table["facility_name"].tolist()[1] == f"all {peers} peers"
    assert str(table["admissions"].iloc[0]) == ("[c]" if own < 5 else str(own))
    others = [name for fid, name in city["names"].items() if fid != city["facility_id"]]
    assert not [name for name in others if f'"{name}"' in funnel]


def test_signing_in_with_a_password(city, tmp_path, monkeypatch):
    from dashboards.users import add_user

    monkeypatch.setenv("EMIAS_USERS_FILE", str(tmp_path / "users.yaml"))
    add_user("ada", "s3cret", "analyst", path=tmp_path / "users.yaml")
    app = AppTest.from_file(APP, default_timeout=60).run()
    app.text_input(key="sign_in_name").input("ada")
    app.text_input(key="sign_in_password").input("wrong")
    app.button[0].click().run()
    assert any("wrong password" in e.value for e in app.error)
    app.text_input(key="sign_in_password").input("s3cret")
    app.button[0].click().run()
    assert not app.exception
    assert app.header[0].value == "City overview"


def test_filters_are_read_from_and_written_to_the_url(city):
    app = AppTest.from_file(APP, default_timeout=60)
    app.session_state["user"] = {"name": "a", "role": "analyst", "facility_id": None, "display_name": None}
    app.query_params["period"] = "Last 4 weeks"
    app.query_params["specialty"] = "therapist"
    app.run()
    assert app.selectbox(key="filter_period").value == "Last 4 weeks"
    assert app.selectbox(key="filter_specialty").value == "therapist"
    app.selectbox(key="filter_period").select("All data").run()
    assert app.query_params["period"] == ["All data"] or app.query_params["period"] == "All data"


@pytest.fixture
def city_with_three_patients(built_city, tmp_path, monkeypatch):
    """A copy of the city whose prescribing mart has one group prescribed to 3 patients."""
    for name in ("warehouse.duckdb", "warehouse.duckdb.wal"):  # recent writes may still be in the WAL
        if (Path(built_city["data_dir"]) / name).exists():
            shutil.copy(Path(built_city["data_dir"]) / name, tmp_path / name)
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    row = con.execute(
        "select * from marts.mart_prescribing_monthly order by month_start desc limit 1"
    ).fetchdf()
    row["atc_group"] = "Z99"
    row["atc_group_name"] = "Test group"
    row["prescriptions"] = 40
    row["patients"] = 3
    row["beneficiaries"] = 0
    con.register("extra", row)
    con.execute("insert into marts.mart_prescribing_monthly by name select * from extra")
    con.close()
    monkeypatch.setenv("EMIAS_DATA_DIR", str(tmp_path))
    # the build in this session may have left EMIAS_DUCKDB_PATH pointing at the original file
    monkeypatch.setenv("EMIAS_DUCKDB_PATH", str(tmp_path / "warehouse.duckdb"))
    st.cache_data.clear()
    yield tmp_path
    st.cache_data.clear()


def test_three_patients_are_suppressed_on_the_page_and_in_the_csv(city_with_three_patients, monkeypatch):
    stores = _record_media_stores(monkeypatch)
    app = _app("analyst", 0, "prescribing")
    assert not app.exception, app.exception
    table = _table(app, "ATC code")
    row = table[table["ATC code"] == "Z99"].iloc[0]
    assert row["Patient-months"] == "[c]" and row["Prescriptions"] == "40"
    assert any("fewer than 5 patients" in c.value for c in app.caption)

    url = app.get_by_key("download_prescribing_by_group").proto.url
    csv = stores[-1].get_file(url.rsplit("/", 1)[-1]).content.decode()
    header, line = csv.splitlines()[0], next(line for line in csv.splitlines() if line.startswith("Z99"))
    cells = dict(zip(header.split(","), line.split(","), strict=True))
    assert cells["patient_months"] == "[c]" and cells["patient_months_suppressed"] == "true"
    assert "3" not in cells.values()


def _csv(app, stores, name):
    """The CSV a table's download button offers (machine names and raw values), as a pandas frame."""
    import io

    import pandas as pd

    url = app.get_by_key(f"download_{name}").proto.url
    content = next(s.get_file(url.rsplit("/", 1)[-1]) for s in stores if _holds(s, url)).content
    return pd.read_csv(io.BytesIO(content))


def _holds(store, url) -> bool:
    try:
        store.get_file(url.rsplit("/", 1)[-1])
    except Exception:
        return False
    return True


def _table(app, column):
    """The first table on the page with this column (tables are told apart by what they hold)."""
    return next(t.value for t in app.dataframe if column in t.value.columns)


def _record_media_stores(monkeypatch) -> list:
    """Keep AppTest's in-memory media stores (where download buttons put their bytes) for the test to read."""
    from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
    from streamlit.testing.v1 import app_test

    stores = []

    class RecordedStorage(MemoryMediaFileStorage):
        def __init__(self, endpoint):
            super().__init__(endpoint)
            stores.append(self)

    monkeypatch.setattr(app_test, "MemoryMediaFileStorage", RecordedStorage)
    return stores


@pytest.fixture
def city_with_bad_rows(built_city, tmp_path, monkeypatch):
    """A copy of the city whose last day and the same day a week before were loaded again with a file of
    bad slots and bad bookings added (through the ingest), and its quality marts built again by dbt."""
    import datetime as dt

    import pyarrow as pa
    import pyarrow.parquet as pq

    from services.contract import arrow_schema, table
    from services.contract.landing import transaction_dir
    from tests.integration.marts.conftest import run_dbt
    from warehouse.ingest import load_days, target_for

    source = Path(built_city["data_dir"])
    for name in ("warehouse.duckdb", "warehouse.duckdb.wal"):
        if (source / name).exists():
            shutil.copy(source / name, tmp_path / name)
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    last = con.execute("select max(partition_date) from raw.raw_load_log").fetchone()[0]
    days = [last - dt.timedelta(days=7), last]
    (slot_id, at), *_ = con.execute(
        "select slot_id, occurred_at from raw.slot_published where _partition_date = ? limit 1", [last]
    ).fetchall()
    landing = tmp_path / "landing"
    for name in ("slot_published", "appointment_booked"):
        for day in days:
            shutil.copytree(
                transaction_dir(source / "landing", name, day), transaction_dir(landing, name, day)
            )
    slot = dict(
        event_id=10**12, occurred_at=at, slot_id=10**12, doctor_id=1, facility_id=1, specialty_id="therapist",
        starts_at=at, duration_min=0, is_urgent_reserve=False,
    )  # fmt: skip
    booking = dict(
        event_id=10**12 + 1, occurred_at=at, appointment_id=10**12, slot_id=slot_id, patient_id="Ivanov",
        channel="portal", referral_id=None,
    )  # fmt: skip
    bad = {
        "slot_published": {
            days[0]: [slot],
            last: [slot | {"event_id": 10**12 + 2}, slot | {"event_id": 10**12 + 3}],
        },
        "appointment_booked": {last: [booking]},
    }
    for name, by_day in bad.items():
        for day, rows in by_day.items():
            rows = [r | {"occurred_at": dt.datetime.combine(day, at.time())} for r in rows]
            path = transaction_dir(landing, name, day) / "bad.parquet"
            pq.write_table(pa.Table.from_pylist(rows, schema=arrow_schema(table(name))), path)
        load_days(target_for(con), landing, table(name), days)
    con.close()
    built = [
        "build",
        "--select",
        "+mart_quality_checks",
        "+mart_quality_check_examples",
        "mart_load_freshness",
    ]
    result = run_dbt(built, tmp_path / "warehouse.duckdb")
    assert result.returncode == 0, result.stdout[-3000:]
    monkeypatch.setenv("EMIAS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("EMIAS_DUCKDB_PATH", str(tmp_path / "warehouse.duckdb"))
    st.cache_data.clear()
    yield {"last": last}
    st.cache_data.clear()


def test_the_data_quality_page_shows_the_checks_per_rule_and_their_first_examples(city_with_bad_rows):
    app = _app("analyst", 0, "data_quality")
    assert not app.exception, [e.value for e in app.exception]
    checks = _table(app, "Rule name (OHDSI DQD's where it has one)")
    low = checks[checks["Rule name (OHDSI DQD's where it has one)"] == "plausibleValueLow"].iloc[0]
    assert low["Check"] == "Value not below the minimum" and low["Column"] == "duration min"
    assert (low["Rows caught this week"], low["Rows caught the week before"], low["Rows quarantined"]) == (
        "2", "1", "3",
    )  # fmt: skip
    assert low["Caught of the rows exported this week"].endswith("%")
    pattern = checks[checks["Rule name (OHDSI DQD's where it has one)"] == "matchesPattern"].iloc[0]
    assert pattern["Column"] == "patient id" and pattern["Rows caught this week"] == "1"

    examples = _table(app, "What is wrong")
    shown = examples[examples["Check"] == "Value not below the minimum"]
    assert list(shown["What is wrong"]) == ["0 is below the minimum 1"] * 3
    assert list(shown["File"]) == ["bad.parquet"] * 3
    assert shown["Day"].iloc[0] == f"{city_with_bad_rows['last']:%-d %b %Y}"  # the latest day first
    page = " ".join(str(t.value.to_dict()) for t in app.dataframe) + " ".join(c.value for c in app.caption)
    assert "Ivanov" not in page
    assert any("the latest week loaded" in c.value for c in app.caption)
    shown_metrics = {m.label: m.value for m in app.metric}
    assert shown_metrics["Checks that caught rows this week"] == "2"
    for frame in app.dataframe:
        _assert_readable(frame.value)


def test_city_overview_rates_are_real_fractions(city):
    """Mart sums arrive as decimals of scale 0; a rate of two of them must not round to 0% or 100%."""
    app = _app("leader", city["facility_id"], "city_overview")
    shown = {m.label: m.value for m in app.metric}
    for label in ("DNA rate", "Remote-booking share", "Seen within the wait standard"):
        assert shown[label] not in ("0.0%", "100.0%"), (label, shown[label])
