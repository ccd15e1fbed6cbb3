"""The export contract is consistent: every table has an Arrow schema, references point at real columns."""

import pyarrow as pa
import pytest

from services.contract import TABLES, arrow_schema, table
from warehouse.ingest import load_order


@pytest.mark.parametrize("name", sorted(TABLES))
def test_every_table_has_a_schema_with_its_version(name):
    schema = arrow_schema(TABLES[name])
    assert schema.names == TABLES[name].column_names
    assert schema.metadata[b"emias.contract.version"] == b"1.0"
    assert all(isinstance(f.type, pa.DataType) for f in schema)


def test_transactions_start_with_event_id_and_occurred_at():
    for t in TABLES.values():
        if t.kind == "transaction":
            assert t.column_names[:2] == ["event_id", "occurred_at"]
            assert t.primary_key == ("event_id",)


def test_references_point_at_existing_columns_and_load_first():
    order = [t.name for t in load_order()]
    for t in TABLES.values():
        for c in t.columns:
            if c.references:
                ref_table, ref_col = c.references
                assert ref_col in table(ref_table).column_names
                assert order.index(ref_table) < order.index(t.name)


def test_unknown_table_names_the_known_ones():
    with pytest.raises(KeyError, match="slot_published"):
        table("slots")
