"""The export contract is consistent: every table has an Arrow schema, references point at real columns."""

import pyarrow as pa
import pytest

from services.contract import TABLES, arrow_schema, table
from warehouse.ingest import load_order


@pytest.mark.parametrize("name", sorted(TABLES))
def test_every_table_has_a_schema_with_its_version(name):
    schema = arrow_schema(TABLES[name])
    assert schema.names == TABLES[name].column_names
    assert schema.metadata[b"emias.contract.version"] == b"1.1"
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


def test_every_rule_names_real_columns_and_its_tables_load_first():
    """Look-ups (each hop), set rules and their tables point at what the contract declares."""
    from services.contract.schema import NoOverlap, OneRowPerKey

    order = [t.name for t in load_order()]
    for t in TABLES.values():
        for r in t.cross_row_rules:
            assert r.column in t.column_names
            if r.lookup is None:
                continue
            holder = t
            for hop in r.lookup.chain:
                assert hop.key in holder.column_names, (t.name, r.name, hop)
                holder = table(hop.table)
                assert hop.table_key in holder.column_names
                assert order.index(hop.table) < order.index(t.name)
            assert r.than in holder.column_names
        for rule in t.set_rules:
            if isinstance(rule, OneRowPerKey):
                assert t.name in rule.tables and all(rule.key in table(n).column_names for n in rule.tables)
                assert all(table(n).set_rules == t.set_rules for n in rule.tables)  # declared on each
                assert [o for o in order if o in rule.tables] == list(rule.tables)  # loaded by precedence
            else:
                assert isinstance(rule, NoOverlap)
                assert {rule.key, rule.start, rule.minutes, *rule.group} <= set(t.column_names)
                assert t.column(rule.minutes).max is not None


def test_the_set_rules_run_over_any_relations():
    """The interpreter's SQL reads the relations its caller names: here two in-memory DuckDB tables."""
    import datetime as dt

    import duckdb

    from services.contract.rules import set_rule_breaks
    from services.contract.tables import NO_OVERLAPPING_SLOTS, ONE_OUTCOME_PER_APPOINTMENT

    con = duckdb.connect()
    day = dt.date(2025, 1, 6)
    con.execute(
        "create table checked (day date, file varchar, row bigint, slot_id bigint, doctor_id integer, "
        "starts_at timestamp, duration_min integer, occurred_at timestamp, event_id bigint)"
    )
    con.execute(
        "create table kept (tbl varchar, slot_id bigint, doctor_id integer, starts_at timestamp, "
        "duration_min integer, event_id bigint)"
    )
    con.execute("insert into kept values ('slot_published', 1, 7, '2025-01-05 23:50', 30, 1)")
    con.executemany(
        "insert into checked values (?, 'f', ?, ?, 7, ?, 15, ?, ?)",
        [
            (day, 0, 2, "2025-01-06 00:00", "2025-01-06 08:00", 2),  # overlaps the kept 23:50-00:20
            (day, 1, 3, "2025-01-06 00:20", "2025-01-06 08:00", 3),  # back to back: kept
            (day, 2, 4, "2025-01-06 00:25", "2025-01-06 09:00", 4),  # overlaps slot 3, which came first
        ],
    )
    slots = table("slot_published")
    broke = con.execute(
        f"select row from ({set_rule_breaks(slots, NO_OVERLAPPING_SLOTS, 'checked', 'kept')})"
    )
    assert sorted(broke.fetchall()) == [(0,), (2,)]

    con.execute(
        "create table outcomes as select day, 'f' as file, row, appointment_id, occurred_at, event_id "
        "from (values (date '2025-01-06', 0, 5, timestamp '2025-01-06 09:00', 10), "
        "(date '2025-01-06', 1, 5, timestamp '2025-01-06 09:05', 11), "
        "(date '2025-01-06', 2, 6, timestamp '2025-01-06 09:00', 12)) as v(day, row, appointment_id, "
        "occurred_at, event_id)"
    )
    con.execute(
        "create table held as select 'appointment_attended' as tbl, 6 as appointment_id, 1 as event_id"
    )
    sql = set_rule_breaks(table("appointment_no_show"), ONE_OUTCOME_PER_APPOINTMENT, "outcomes", "held")
    assert sorted(con.execute(f"select row, reason from ({sql})").fetchall()) == [
        (
            1,
            "appointment_id: oneOutcomePerAppointment: 5 already has a row in appointment_no_show (event 10)",
        ),
        (
            2,
            "appointment_id: oneOutcomePerAppointment: 6 already has a row in appointment_attended (event 1)",
        ),
    ]
