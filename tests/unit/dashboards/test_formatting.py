"""The formatting layer, the figures' notes and colours, complementary suppression and sign-in tokens."""

import datetime as dt

import polars as pl

from dashboards.components import figures
from dashboards.components import format as fmt
from dashboards.data import suppressed
from dashboards.users import add_user, session_token, user_from_session
from warehouse.metrics import BANDS


def test_values_read_as_people_write_them():
    assert fmt.value(2132129.27, "roubles") == "2,132,129 ₽"
    assert fmt.value(0.0288, "share") == "2.9%"
    assert fmt.value(42.5, "percent") == "42.5%"
    assert fmt.value(12345, "count") == "12,345"
    assert fmt.value(dt.datetime(2025, 1, 6), "date") == "6 Jan 2025"
    assert fmt.value(dt.date(2025, 3, 1), "month") == "Mar 2025"
    assert fmt.value(None, "count") == fmt.value(float("nan"), "share") == "—"
    assert fmt.value(8, "hour") == "08:00" and fmt.value(1, "weekday") == "Mon"


def test_every_column_has_a_label_without_underscores():
    for name in [*fmt.COLUMNS, "crude_lower95_0cl", "visit_upper99_8cl", "something_new"]:
        assert "_" not in fmt.label(name), name
    assert fmt.label("crude_lower95_0cl") == "Crude rate: lower 95% limit (per 100,000)"
    assert fmt.column("visit_upper99_8cl").kind == "percent"


def _shown(frame: pl.DataFrame):
    shown, settings = fmt.table(frame)
    return shown.to_string(), shown, settings


def test_a_table_shows_names_labels_marks_and_no_none():
    frame = suppressed(
        pl.DataFrame(
            {
                "week_start": [dt.date(2025, 1, 6), dt.date(2025, 1, 13)],
                "okrug_id": ["CAO", "SAO"],
                "okrug_name": ["Tsentralny", "Severny"],
                "no_shows": [3, 40],
                "attended": [100, 200],
                "dna_rate": [0.03, 0.1667],
                "cost_per_visit_rub": [1845.5, None],
            }
        ),
        {"no_shows": ["dna_rate"]},
        totals=(),  # two weeks shown without their sum (with it, the 40 would go as well)
    )
    html, shown, settings = _shown(frame)
    assert list(shown.columns) == [
        "Week starting",
        "Okrug",
        "Did not attend",
        "Attended",
        "DNA rate",
        "Cost per visit (₽)",
    ]
    for text in ("6 Jan 2025", "Tsentralny", "16.7%", "1,846 ₽", "200"):
        assert text in html, text
    assert shown["Did not attend"].tolist() == ["[c]", "40"] and shown["DNA rate"].tolist() == ["—", "16.7%"]
    assert shown["Cost per visit (₽)"].tolist() == ["1,846 ₽", "—"]
    assert "None" not in html and "00:00:00" not in html and "CAO" not in html
    assert settings["Did not attend"] == {"alignment": "right"}  # numbers written as text stay right
    assert shown["Attended"].tolist() == ["100", "200"] and "Okrug" not in settings


def test_charts_count_only_the_values_they_leave_out():
    doctors = pl.DataFrame(
        {
            "load_ratio": [0.5, 0.9, 1.1],
            "encounters": [None, 40, None],
            "encounters_suppressed": [True, False, True],
        }
    )
    assert figures.hidden_count(doctors, ["load_ratio"]) == 0  # all three doctors are drawn
    assert "not shown" not in figures.doctor_load_histogram(doctors).layout.title.text
    assert figures.hidden_count(doctors, ["encounters"]) == 2


def test_booking_bands_are_drawn_in_band_order_from_green_to_red():
    frame = pl.DataFrame(
        {"specialty_id": ["a"], "specialty_name": ["Cardiologist"], **{b: [1 / 7] for b in BANDS}}
    )
    fig = figures.booking_bands(frame, BANDS)
    assert [t.name for t in fig.data] == list(BANDS.values())
    assert [t.marker.color for t in fig.data] == list(figures.BAND_COLOURS)
    assert list(fig.data[0].y) == ["Cardiologist"]  # names, not codes


def test_the_year_earlier_line_or_a_note_that_there_is_none():
    weeks = pl.DataFrame({"week_start": [dt.date(2025, 3, 3), dt.date(2025, 3, 10)], "visits": [10, 12]})
    alone = figures.weekly_trend(weeks, weeks.clear(), "visits", "Visits")
    assert len(alone.data) == 1 and "no data for the same weeks a year earlier" in alone.layout.title.text
    # 2024-W10 and W11 (2025-W10 and W11 a year later)
    last_year = pl.DataFrame({"week_start": [dt.date(2024, 3, 4), dt.date(2024, 3, 11)], "visits": [8, 9]})
    both = figures.weekly_trend(weeks, last_year, "visits", "Visits")
    assert [t.name for t in both.data] == ["This period", "The same weeks a year earlier"]
    assert list(both.data[1].x) == list(both.data[0].x)  # drawn over the same weeks
    assert list(both.data[1].y) == [8, 9]


def test_after_a_53_week_year_the_year_earlier_line_is_the_same_iso_week():
    # 2026 has 53 ISO weeks: 2027-W10 (Monday 8 March) is compared with 2026-W10 (Monday 2 March), not with
    # 2026-W11 (9 March) that 52 weeks back would give; 2026-W53 with 2025-W52 (warehouse/calendar.py)
    this = pl.DataFrame({"week_start": [dt.date(2027, 3, 8)], "visits": [10]})
    last = pl.DataFrame({"week_start": [dt.date(2026, 3, 2), dt.date(2026, 3, 9)], "visits": [7, 99]})
    fig = figures.weekly_trend(this, last, "visits", "Visits")
    assert list(fig.data[1].x) == [dt.date(2027, 3, 8)] and list(fig.data[1].y) == [7]
    week53 = pl.DataFrame({"week_start": [dt.date(2026, 12, 28)], "visits": [5]})
    last = pl.DataFrame({"week_start": [dt.date(2025, 12, 22), dt.date(2025, 12, 29)], "visits": [4, 99]})
    fig = figures.weekly_trend(week53, last, "visits", "Visits")
    assert list(fig.data[1].y) == [4]


def test_one_suppressed_okrug_takes_a_second_with_it_when_a_total_is_shown():
    frame = pl.DataFrame({"okrug_id": ["A", "B", "C"], "new_cases": [3, 9, 30], "rate": [1.0, 2.0, 3.0]})
    out = suppressed(frame, {"new_cases": ["rate"]})  # by default a total is shown beside the rows
    assert out["new_cases"].to_list() == [None, None, 30] and out["rate"].to_list() == [None, None, 3.0]
    assert out["new_cases_suppressed"].to_list() == [True, True, False]
    alone = suppressed(frame, {"new_cases": ["rate"]}, totals=())
    assert alone["new_cases"].to_list() == [None, 9, 30]


def test_a_session_token_names_its_user_until_the_password_changes(tmp_path):
    users = tmp_path / "users.yaml"
    add_user("ada", "s3cret", "analyst", path=users)
    token = session_token("ada", path=users)
    assert user_from_session(token, 3600, path=users).role == "analyst"
    assert user_from_session(token[:-2] + "xx", 3600, path=users) is None  # a forged signature
    assert user_from_session(token, -1, path=users) is None  # expired
    add_user("ada", "n3w", "analyst", path=users)
    assert user_from_session(token, 3600, path=users) is None
