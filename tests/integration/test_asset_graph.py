"""A snapshot of the asset graph (keys, groups, upstream, checks) catches an accidental change of lineage.

After an intended change, refresh it with `pytest tests/integration/test_asset_graph.py --snapshot-update`
and review the diff of the snapshot file.
"""


def test_asset_graph_snapshot(snapshot):
    from pipelines.definitions import defs

    graph = defs.resolve_asset_graph()
    nodes = {}
    for key in sorted(graph.get_all_asset_keys(), key=lambda k: k.to_user_string()):
        node = graph.get(key)
        nodes[key.to_user_string()] = {
            "group": node.group_name,
            "partitioned": node.partitions_def is not None,
            "upstream": sorted(p.to_user_string() for p in node.parent_keys),
        }
    checks = sorted(f"{c.asset_key.to_user_string()}:{c.name}" for c in graph.asset_check_keys)
    assert {"assets": nodes, "checks": checks} == snapshot


def test_dbt_tests_are_asset_checks_and_ingest_checks_sit_by_their_assets():
    from pipelines.definitions import defs

    checks = {f"{c.asset_key.to_user_string()}:{c.name}" for c in defs.resolve_asset_graph().asset_check_keys}
    assert "marts/fct_appointments:unique_fct_appointments_appointment_id" in checks
    assert "raw/appointment_booked:reconciles_with_landing" in checks
    assert "raw/slot_published:no_quarantined_rows" in checks
