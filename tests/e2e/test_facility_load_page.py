"""The facility-load page renders with data, headless (streamlit.testing)."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[2] / "dashboards" / "app.py")


@pytest.fixture
def app(built_city, monkeypatch):
    monkeypatch.setenv("EMIAS_DATA_DIR", str(built_city["data_dir"]))
    return AppTest.from_file(APP, default_timeout=60)


def test_facility_load_page_shows_a_chart_a_table_and_metrics(app):
    app.run()
    assert not app.exception, app.exception
    assert app.header[0].value == "Facility load"
    assert len(app.get("plotly_chart")) == 1
    assert len(app.dataframe) == 1 and app.dataframe[0].value.shape[0] > 0
    slots_offered = next(m for m in app.metric if m.label == "Slots offered")
    assert int(slots_offered.value.replace(",", "")) > 0


def test_filtering_on_one_facility_narrows_the_table(app):
    app.run()
    facility = app.sidebar.multiselect(key="facility")
    first = facility.options[0]
    facility.select(first).run()
    assert not app.exception, app.exception
    table = app.dataframe[0].value
    assert table["facility_name"].nunique() == 1
