"""Ingest assets: one per contract table, each producing the raw table of the same name.

Reference snapshots load whole; transactions load by day partition (a run over a range of days loads
each day in turn). Every load replaces its partition, quarantines the rows that break the contract, and
reports two checks next to the asset:
- `reconciles_with_landing`: landing rows = raw rows + quarantined rows, per partition (error);
- `no_quarantined_rows`: nothing was quarantined (warning), naming the rows that were.
"""

import datetime as dt

import dagster as dg

from pipelines.partitions import daily_partitions
from pipelines.resources import WarehouseResource
from services.contract import Table
from warehouse.ingest import load, load_order, reconcile

RECONCILES = "reconciles_with_landing"
NO_QUARANTINE = "no_quarantined_rows"


def raw_key(table_name: str) -> dg.AssetKey:
    return dg.AssetKey(["raw", table_name])


def _checks(table: Table) -> list[dg.AssetCheckSpec]:
    key = raw_key(table.name)
    return [
        dg.AssetCheckSpec(RECONCILES, asset=key, description="landing rows = raw rows + quarantined rows"),
        dg.AssetCheckSpec(NO_QUARANTINE, asset=key, description="no row broke the contract"),
    ]


def _load_and_check(context, warehouse: WarehouseResource, table: Table, days: list[dt.date | None]):
    landing = warehouse.landing_dir
    with warehouse.writer() as target:
        loads = [load(target, landing, table, day) for day in days]
        recs = [reconcile(target, landing, table, day) for day in days]
    for r in loads:
        context.log.info(
            f"{table.name} {r.partition or 'snapshot'}: {r.landing_rows} landing rows -> "
            f"{r.loaded_rows} loaded, {r.quarantined_rows} quarantined"
        )
    unreconciled = [r for r in recs if not r.ok]
    quarantined = [r for r in recs if r.quarantined_rows]
    named = [dict(partition=str(r.partition), **row) for r in quarantined for row in r.quarantine_sample][:20]
    totals = {
        "landing_rows": sum(r.landing_rows for r in recs),
        "raw_rows": sum(r.raw_rows for r in recs),
        "quarantined_rows": sum(r.quarantined_rows for r in recs),
    }
    return dg.MaterializeResult(
        metadata={**totals, "partitions_loaded": len(days), "dagster/row_count": totals["raw_rows"]},
        check_results=[
            dg.AssetCheckResult(
                check_name=RECONCILES,
                passed=not unreconciled,
                metadata={
                    **totals,
                    "unreconciled": dg.MetadataValue.json(
                        [
                            {
                                "partition": str(r.partition),
                                "landing": r.landing_rows,
                                "raw": r.raw_rows,
                                "quarantined": r.quarantined_rows,
                            }
                            for r in unreconciled
                        ]
                    ),
                    "quarantined_rows_named": dg.MetadataValue.json(named),
                },
            ),
            dg.AssetCheckResult(
                check_name=NO_QUARANTINE,
                passed=not quarantined,
                severity=dg.AssetCheckSeverity.WARN,
                metadata={
                    "quarantined_rows": totals["quarantined_rows"],
                    "rows": dg.MetadataValue.json(named),
                },
            ),
        ],
    )


def _reference_asset(table: Table) -> dg.AssetsDefinition:
    @dg.asset(
        key=raw_key(table.name),
        group_name="ingest_reference",
        description=f"raw.{table.name}: {table.description} (full snapshot, replaced on each load)",
        check_specs=_checks(table),
        kinds={"python", "duckdb"},
    )
    def _asset(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
        return _load_and_check(context, warehouse, table, [None])

    return _asset


def _transaction_asset(table: Table) -> dg.AssetsDefinition:
    refs = sorted({c.references[0] for c in table.columns if c.references})

    @dg.asset(
        key=raw_key(table.name),
        group_name="ingest_transactions",
        description=f"raw.{table.name}: {table.description} (by day; a re-run replaces the day)",
        partitions_def=daily_partitions,
        # a backfill of many days runs as one run, which loads the days in order
        backfill_policy=dg.BackfillPolicy.single_run(),
        deps=[raw_key(r) for r in refs],
        check_specs=_checks(table),
        kinds={"python", "duckdb"},
    )
    def _asset(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
        days = [dt.date.fromisoformat(k) for k in context.partition_keys]
        return _load_and_check(context, warehouse, table, days)

    return _asset


reference_assets = [_reference_asset(t) for t in load_order() if t.kind == "reference"]
transaction_assets = [_transaction_asset(t) for t in load_order() if t.kind == "transaction"]
