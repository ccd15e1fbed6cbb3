"""The read API's filters: the meanings read_mart documents, shared with readers that aggregate in SQL."""

import duckdb
import pytest

from warehouse.read import read_mart, where_clause


@pytest.fixture
def con():
    con = duckdb.connect()
    con.sql("create schema marts")
    con.sql(
        "create table marts.mart_demo as select * from (values "
        "(1, 'a', date '2025-01-06'), (2, 'b', date '2025-01-07'), (3, null, date '2025-01-08')"
        ") t(facility_id, okrug_id, slot_date)"
    )
    yield con
    con.close()


def test_where_clause_builds_each_filter_kind_with_parameters():
    where, params = where_clause({"a": 1, "b": [2, 3], "c": (4, None), "d": None, "e": []})
    assert where == " where a = {p} and b in ({p}, {p}) and c >= {p} and d is null and 1 = 0"
    assert params == [1, 2, 3, 4]
    assert where_clause({}) == ("", [])


def test_where_clause_refuses_a_column_that_is_not_a_plain_identifier():
    with pytest.raises(ValueError, match="not a plain lowercase identifier"):
        where_clause({"a; drop table x": 1})


def test_read_mart_filters_rows(con):
    import datetime as dt

    def ids(**filters):
        frame = read_mart("mart_demo", filters=filters, order_by=["facility_id"], con=con)
        return frame.get_column("facility_id").to_list()

    assert ids(okrug_id="a") == [1]
    assert ids(okrug_id=["a", "b"]) == [1, 2]
    assert ids(okrug_id=None) == [3]
    assert ids(slot_date=(dt.date(2025, 1, 7), None)) == [2, 3]
    assert ids(slot_date=(None, dt.date(2025, 1, 7))) == [1, 2]
    assert ids(okrug_id=[]) == []


def test_read_mart_names_the_marts_when_one_is_missing(con):
    with pytest.raises(LookupError, match="mart_demo"):
        read_mart("mart_nope", con=con)
