"""The daily schedule asks for yesterday once it has landed; the sensor asks for each day whose landing
partition is complete, once, and makes it a partition."""

import datetime as dt
import shutil

import dagster as dg


def _tick(moment: dt.datetime, instance) -> list:
    from pipelines.definitions import defs
    from pipelines.schedules import daily_schedule

    context = dg.build_schedule_context(
        instance=instance, scheduled_execution_time=moment, repository_def=defs.get_repository_def()
    )
    return daily_schedule.evaluate_tick(context).run_requests or []


def test_the_schedule_builds_yesterday_once_it_has_landed(city_dir, monkeypatch):
    from pipelines.schedules import build_job, daily_schedule

    assert daily_schedule.job_name == build_job.name
    monkeypatch.setenv("EMIAS_DATA_DIR", str(city_dir))
    moscow = dt.timezone(dt.timedelta(hours=3))
    with dg.instance_for_test() as instance:
        landed = _tick(dt.datetime(2025, 1, 20, 2, 0, tzinfo=moscow), instance)
        assert [r.partition_key for r in landed] == ["2025-01-19"]
        assert "2025-01-19" in instance.get_dynamic_partitions("landed_days")
        assert _tick(dt.datetime(2025, 3, 4, 2, 0, tzinfo=moscow), instance) == []  # not landed


def test_the_sensor_launches_each_landed_day_once(city_dir, monkeypatch, tmp_path):
    from pipelines.sensors import landing_sensor

    landing = tmp_path / "landing"
    shutil.copytree(city_dir / "landing", landing)
    # a day that only some tables have reached is not launched yet
    shutil.rmtree(landing / "appointment_booked" / "date=2025-01-26")
    monkeypatch.setenv("EMIAS_DATA_DIR", str(tmp_path))
    with dg.instance_for_test() as instance:
        context = dg.build_sensor_context(cursor=None, instance=instance)
        result = landing_sensor(context)
        # one run for every complete day: the city's first day is 2025-01-06, and its forward book
        # (bookings made ahead) lands the 35 days before it
        (request,) = result.run_requests
        assert request.partition_key_range == dg.PartitionKeyRange("2024-12-02", "2025-01-25")
        assert request.tags["emias/only_changed"] == "true"
        added = result.dynamic_partitions_requests[0].partition_keys
        assert added[0] == "2024-12-02" and added[-1] == "2025-01-25" and len(added) == 35 + 20
        again = landing_sensor(dg.build_sensor_context(cursor=context.cursor, instance=instance))
        assert isinstance(again, dg.SkipReason)
