"""Ingest of the operational API's outbox into the same raw tables as the simulator's files.

The API writes each state change's contract row into its `outbox` table in the same database transaction
(services/api/outbox.py). This asset reads it by sequence number from the last one loaded, in batches;
each batch, its quarantine and the new watermark commit together (warehouse.ingest.load_outbox), so a
load killed half-way is simply resumed by the next run: nothing is lost and nothing is loaded twice.
"""

from collections.abc import Callable

import dagster as dg

from pipelines.resources import WarehouseResource
from services.api.outbox import read_outbox
from services.api.settings import Settings as ApiSettings
from warehouse.ingest import OutboxLoad, load_outbox, outbox_watermark

OUTBOX_SOURCE = "api"


def ingest_outbox(
    target, db_url: str, *, batch_rows: int = 5000, on_batch: Callable[[OutboxLoad], None] | None = None
) -> list[OutboxLoad]:
    """Load every outbox row after the watermark, batch by batch; returns what each batch did."""
    loads = []
    while True:
        rows = read_outbox(db_url, outbox_watermark(target, OUTBOX_SOURCE), batch_rows)
        if not rows:
            return loads
        loads.append(load_outbox(target, rows, source=OUTBOX_SOURCE))
        if on_batch:
            on_batch(loads[-1])


class OutboxConfig(dg.Config):
    batch_rows: int = 5000


@dg.asset(
    key=dg.AssetKey(["raw", "api_outbox"]),
    group_name="ingest_outbox",
    description="Rows of the API's outbox appended to the raw transaction tables (watermark in "
    "raw.raw_outbox_watermark); rows that break the contract go to raw.raw_quarantine",
    kinds={"python", "duckdb"},
)
def api_outbox(context: dg.AssetExecutionContext, config: OutboxConfig, warehouse: WarehouseResource):
    db_url = ApiSettings().db_url
    with warehouse.writer() as target:
        loads = ingest_outbox(target, db_url, batch_rows=config.batch_rows)
        watermark = outbox_watermark(target, OUTBOX_SOURCE)
    rows = sum(x.rows for x in loads)
    quarantined = sum(x.quarantined_rows for x in loads)
    context.log.info(
        f"outbox: {rows} rows in {len(loads)} batches, {quarantined} quarantined, up to seq {watermark}"
    )
    return dg.MaterializeResult(
        metadata={"rows": rows, "batches": len(loads), "quarantined_rows": quarantined, "last_seq": watermark}
    )
