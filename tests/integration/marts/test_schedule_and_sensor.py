"""The daily schedule asks for yesterday; the sensor asks for each day whose landing partition is complete."""

import datetime as dt
import shutil

import dagster as dg


def test_the_schedule_builds_yesterday():
    from pipelines.schedules import daily_job, daily_schedule

    assert daily_schedule.job_name == daily_job.name
    moment = dt.datetime(2025, 3, 4, 2, 0, tzinfo=dt.timezone(dt.timedelta(hours=3)))
    requests = daily_schedule.evaluate_tick(
        dg.build_schedule_context(scheduled_execution_time=moment)
    ).run_requests
    assert [r.partition_key for r in requests] == ["2025-03-03"]


def test_the_sensor_launches_each_landed_day_once(city_dir, monkeypatch, tmp_path):
    from pipelines.sensors import landing_sensor

    landing = tmp_path / "landing"
    shutil.copytree(city_dir / "landing", landing)
    # a day that only some tables have reached is not launched yet
    shutil.rmtree(landing / "appointment_booked" / "date=2025-01-26")
    monkeypatch.setenv("EMIAS_DATA_DIR", str(tmp_path))
    context = dg.build_sensor_context(cursor=None)
    first = [r.partition_key for r in landing_sensor(context)]
    # the city's first day is 2025-01-06; its forward book (bookings made ahead) lands the 35 days before
    assert first[0] == "2024-12-02" and first[-1] == "2025-01-25" and len(first) == 35 + 20
    assert [r.run_key for r in landing_sensor(dg.build_sensor_context(cursor=context.cursor))] == []
