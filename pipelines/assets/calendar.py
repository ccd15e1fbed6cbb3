"""Russia's production calendar loaded into the warehouse for the years the data spans.

One asset run, after the ingest (it reads the loaded days' span from raw.raw_load_log), writes
`raw.production_calendar` when the calendar of those years differs from the one held (warehouse/calendar.py);
the dbt source `reference.production_calendar` reads it, so `dim_dates` and the working-day counts depend on
this asset in the graph.
"""

import dagster as dg

from pipelines.resources import WarehouseResource

production_calendar_key = dg.AssetKey(["raw", "production_calendar"])


@dg.asset(
    key=production_calendar_key,
    group_name="ingest_reference",
    description="raw.production_calendar: one row per day of the data's years and the next (working / "
    "weekend / holiday, with the holiday's name), from the `holidays` package's calendar for Russia, written "
    "when it changed",
    deps=[dg.AssetKey(["raw", "raw_load_log"])],
    kinds={"python", "duckdb"},
)
def production_calendar(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    from warehouse.calendar import calendar_years, refresh_production_calendar

    with warehouse.writer() as target:
        years = calendar_years(target)
        days, reloaded = refresh_production_calendar(target, years)
    context.log.info(f"production calendar {years[0]}-{years[1]} {'loaded' if reloaded else 'unchanged'}")
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": days,
            "first_year": years[0],
            "last_year": years[1],
            "reloaded": reloaded,
        }
    )
