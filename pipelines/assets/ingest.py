"""Ingest assets: the landing files into the raw tables of the same names.

- `raw/raw_landed_days` is partitioned by landed day: materialising a day queues it for loading (for a day
  asked for by name always; for "every landed day" only when its files changed). Its partitions are what
  the UI shows per day, and what the schedule, the sensor and backfills ask for.
- The reference snapshots load in one step, each only when its content changed.
- The transaction tables load in one step: every queued day, table by table, in one set-based load per
  table; then the days are marked loaded; then the API's outbox rows (assets/outbox.py), when there is an
  API store: both producers write the same raw tables. Whatever asked for the days, the step does the
  work left, so a run that failed half-way is finished by the next one.

Each raw table reports two checks beside it, over what the step loaded:
- `reconciles_with_landing`: landing rows = raw rows + quarantined rows, per day (error);
- `no_quarantined_rows`: nothing was quarantined (warning), naming the rows that were.
"""

import datetime as dt
import warnings

import dagster as dg

from pipelines.assets.outbox import api_store, ingest_outbox
from pipelines.partitions import FULL_REFRESH_TAG, ONLY_CHANGED_TAG, landed_days
from pipelines.progress import Progress
from pipelines.resources import WarehouseResource
from services.contract import Table
from warehouse.ingest import (
    LoadResult,
    Reconciliation,
    load_days,
    load_order,
    load_snapshot,
    reconcile,
    reconcile_days,
)
from warehouse.watermarks import Queue, day_span, mark_loaded, queue_days, queued_days

RECONCILES = "reconciles_with_landing"
NO_QUARANTINE = "no_quarantined_rows"
NAMED_ROWS = 20  # quarantined rows named in a check's metadata
DAYS_PER_LOAD = 31

REFERENCE_TABLES = [t for t in load_order() if t.kind == "reference"]
TRANSACTION_TABLES = [t for t in load_order() if t.kind == "transaction"]


def raw_key(table_name: str) -> dg.AssetKey:
    return dg.AssetKey(["raw", table_name])


def _referenced(table: Table) -> list[str]:
    """The transaction tables whose rows this one's rules read (they load first)."""
    return sorted(table.reads & {t.name for t in TRANSACTION_TABLES})


def _spec(table: Table, group: str, deps: list[dg.AssetKey]) -> dg.AssetSpec:
    return dg.AssetSpec(
        raw_key(table.name),
        group_name=group,
        description=f"raw.{table.name}: {table.description}",
        deps=deps,
        kinds={"duckdb"},
    )


def _checks(tables: list[Table]) -> list[dg.AssetCheckSpec]:
    return [
        spec
        for t in tables
        for spec in (
            dg.AssetCheckSpec(
                RECONCILES, asset=raw_key(t.name), description="landing = raw + quarantined rows"
            ),
            dg.AssetCheckSpec(NO_QUARANTINE, asset=raw_key(t.name), description="no row broke the contract"),
        )
    ]


def _check_results(table: Table, recs: list[Reconciliation]) -> list[dg.AssetCheckResult]:
    """The two checks of one raw table, from the reconciliation of each day loaded (none: nothing was)."""
    key = raw_key(table.name)
    totals = _totals(recs)
    mismatches = [
        {
            "partition": str(r.partition),
            "landing": r.landing_rows,
            "raw": r.raw_rows,
            "quarantined": r.quarantined_rows,
        }
        for r in recs
        if not r.ok
    ]
    named = [
        {"partition": str(r.partition), **row}
        for r in recs
        if r.quarantined_rows
        for row in r.quarantine_sample
    ][:NAMED_ROWS]
    return [
        dg.AssetCheckResult(
            asset_key=key,
            check_name=RECONCILES,
            passed=not mismatches,
            metadata={**totals, "unreconciled": dg.MetadataValue.json(mismatches)},
        ),
        dg.AssetCheckResult(
            asset_key=key,
            check_name=NO_QUARANTINE,
            passed=not totals["quarantined_rows"],
            severity=dg.AssetCheckSeverity.WARN,
            metadata={"quarantined_rows": totals["quarantined_rows"], "rows": dg.MetadataValue.json(named)},
        ),
    ]


def _totals(recs: list[Reconciliation]) -> dict[str, int]:
    return {
        "landing_rows": sum(r.landing_rows for r in recs),
        "raw_rows": sum(r.raw_rows for r in recs),
        "quarantined_rows": sum(r.quarantined_rows for r in recs),
    }


def _materialized(table: Table, recs: list[Reconciliation], extra: dict) -> dg.MaterializeResult:
    return dg.MaterializeResult(
        asset_key=raw_key(table.name),
        metadata={**_totals(recs), **extra},
        check_results=_check_results(table, recs),
    )


def _queue_landed_days(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    days = sorted(dt.date.fromisoformat(k) for k in context.partition_keys)
    only_changed = context.run.tags.get(ONLY_CHANGED_TAG) == "true"
    with warehouse.writer() as target:
        queued = queue_days(target, warehouse.landing_dir, days, only_changed=only_changed)
    context.log.info(f"{len(queued)} of {len(days)} days queued for loading")
    return dg.MaterializeResult(metadata={"days": len(days), "queued": len(queued)})


# Dagster marks `backfill_policy` beta and warns wherever the code location loads: said once, here
with warnings.catch_warnings():
    warnings.simplefilter("ignore", dg.BetaWarning)
    raw_landed_days = dg.asset(
        key=raw_key("raw_landed_days"),
        group_name="ingest_transactions",
        description="raw.raw_landed_days: the landed days and their files' fingerprints; a day materialised "
        "here is queued for the transaction ingest",
        partitions_def=landed_days,
        # a backfill of many days is one run, whose bookkeeping is one row per day here, not per table
        backfill_policy=dg.BackfillPolicy.single_run(),
        kinds={"duckdb"},
    )(_queue_landed_days)


@dg.multi_asset(
    specs=[_spec(t, "ingest_reference", []) for t in REFERENCE_TABLES],
    check_specs=_checks(REFERENCE_TABLES),
    can_subset=True,
    description="The reference snapshots, each loaded whole when its content changed",
)
def reference_snapshots(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, progress: dg.ResourceParam[Progress]
):
    selected = [t for t in REFERENCE_TABLES if raw_key(t.name) in context.selected_asset_keys]
    force = context.run.tags.get(FULL_REFRESH_TAG) == "true"
    with warehouse.writer() as target, progress.task("reference snapshots", len(selected)) as advance:
        for table in selected:
            result = load_snapshot(target, warehouse.landing_dir, table, force=force)
            # a snapshot loaded now is counted again; an unchanged one reports its last load's counts
            rec = reconcile(target, warehouse.landing_dir, table) if result.reloaded else _as_logged(result)
            advance(table.name)
            # every run reports every raw table (a table left out would make Dagster skip dbt's step);
            # `reloaded` says whether its content changed
            yield _materialized(
                table, [rec], {"reloaded": result.reloaded, "dagster/row_count": rec.raw_rows}
            )


def _as_logged(result: LoadResult) -> Reconciliation:
    return Reconciliation(
        result.table, None, result.landing_rows, result.loaded_rows, result.quarantined_rows, []
    )


# the ingest's own records, which the data-quality marts read: the last ingest step completes them
LOAD_RECORDS = [
    dg.AssetSpec(
        raw_key(name),
        group_name="ingest_transactions",
        description=f"raw.{name}: {what} of every load (reference snapshots, landing days, the API's outbox)",
        deps=[raw_key(t.name) for t in REFERENCE_TABLES],
        kinds={"duckdb"},
    )
    for name, what in (("raw_load_log", "the counts"), ("raw_quarantine", "the rows that broke the contract"))
]


@dg.multi_asset(
    specs=[
        *(
            _spec(
                t, "ingest_transactions", [raw_key("raw_landed_days")] + [raw_key(r) for r in _referenced(t)]
            )
            for t in TRANSACTION_TABLES
        ),
        *LOAD_RECORDS,
    ],
    check_specs=_checks(TRANSACTION_TABLES),
    description="The transaction tables: every queued day, one set-based load per table",
)
def transactions(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, progress: dg.ResourceParam[Progress]
):
    store = api_store()
    with warehouse.writer() as target:
        queue = queued_days(target)
        days = queue.days
        loaded = _load_days(target, warehouse.landing_dir, queue, progress) if days else {}
        outbox_rows = sum(x.rows for x in ingest_outbox(target, store)) if store else 0
    context.log.info(f"{len(days)} days loaded; {outbox_rows} rows from the API's outbox")
    span = {"days": len(days), "first_day": str(days[0]), "last_day": str(days[-1])} if days else {"days": 0}
    # every run reports every raw table (a table left out would make Dagster skip dbt's step)
    for table in TRANSACTION_TABLES:
        yield _materialized(table, loaded.get(table.name, []), {**span, "outbox_rows": outbox_rows})
    for spec in LOAD_RECORDS:
        yield dg.MaterializeResult(
            asset_key=spec.key, metadata={**span, "loaded_days": [str(d) for d in days]}
        )


def _months(days: list[dt.date]) -> list[list[dt.date]]:
    """The days in runs of at most DAYS_PER_LOAD calendar days (a load holds the keys its references point
    at in memory: a month keeps that bounded at Moscow's scale, and a day re-exported months ago does not
    stretch a load over the months between)."""
    runs: list[list[dt.date]] = []
    for day in days:
        if runs and (day - runs[-1][0]).days < DAYS_PER_LOAD:
            runs[-1].append(day)
        else:
            runs.append([day])
    return runs


def _load_days(target, landing, queue: Queue, progress: Progress) -> dict[str, list[Reconciliation]]:
    """Load the queued days into every transaction table, a month at a time, each month marked loaded once
    every table has it (a failure later leaves the months before it done); the reconciliation of each
    table's days."""
    months = _months(queue.days)
    recs: dict[str, list[Reconciliation]] = {t.name: [] for t in TRANSACTION_TABLES}
    detail = day_span(queue.days[0], queue.days[-1])
    with progress.task("transactions", len(months) * len(TRANSACTION_TABLES), detail) as advance:
        for month in months:
            for table in TRANSACTION_TABLES:
                load_days(target, landing, table, month)
                recs[table.name] += reconcile_days(target, landing, table, month)
                advance(f"{table.name} {day_span(month[0], month[-1])}")
            mark_loaded(target, queue, month)
    return recs
