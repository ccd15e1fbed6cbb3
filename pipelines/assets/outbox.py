"""Ingest of the operational API's outbox into the same raw tables as the simulator's files.

The API writes each state change's contract row into its `outbox` table in the same database transaction
(services/api/outbox.py). The transaction ingest (assets/ingest.py) reads it by sequence number from the
last one loaded, in batches, after the day's files (its bookings point at slots the files published);
each batch, its quarantine and the new watermark commit together (warehouse.ingest.load_outbox), so a
load killed half-way is simply resumed by the next run: nothing is lost and nothing is loaded twice.
"""

from __future__ import annotations

from collections.abc import Callable

from services.api.outbox import read_outbox
from services.api.settings import Settings as ApiSettings
from warehouse.ingest import OutboxLoad, load_outbox, outbox_watermark

OUTBOX_SOURCE = "api"
BATCH_ROWS = 5000


def api_store() -> str | None:
    """The API's database URL, when there is an API store to read (a URL set, or the SQLite file)."""
    api = ApiSettings()
    return api.db_url if api.api_db_url or (api.data_dir / "api.sqlite").exists() else None


def ingest_outbox(
    target, db_url: str, *, batch_rows: int = BATCH_ROWS, on_batch: Callable[[OutboxLoad], None] | None = None
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
