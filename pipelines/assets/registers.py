"""The disease-register definitions (registers/definitions/*.yaml) loaded into the warehouse.

One asset run writes the three `raw.register_*` tables whole when the definitions changed, and leaves them
as they are otherwise; the dbt source `registers` reads them, so the register models depend on this asset
in the graph. `emias build` runs it with the reference snapshots.
"""

import dagster as dg

from pipelines.resources import WarehouseResource
from registers.warehouse import REGISTER_TABLES, refresh_register_tables

register_table_keys = [dg.AssetKey(["raw", name]) for name in REGISTER_TABLES]


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            key,
            group_name="ingest_reference",
            description=f"raw.{key.path[-1]}: disease-register definitions from the YAML files "
            "(registers/definitions, or $EMIAS_REGISTERS_DIR), replaced whole on each load",
            kinds={"python", "duckdb"},
        )
        for key in register_table_keys
    ],
)
def register_definitions(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    from warehouse import connect

    con = connect(read_only=False, settings=warehouse.settings)
    try:
        counts, reloaded = refresh_register_tables(con)
    finally:
        con.close()
    context.log.info(f"register tables {'loaded' if reloaded else 'unchanged'}: {counts}")
    for key in register_table_keys:
        metadata = {"dagster/row_count": counts[key.path[-1]], "reloaded": reloaded}
        yield dg.MaterializeResult(asset_key=key, metadata=metadata)
