"""The read API: the one way dashboards, registers and notebooks get data out of the warehouse.

    from warehouse import read_mart
    load = read_mart("mart_facility_load_daily", filters={"facility_id": 12})

Readers see only the `marts` schema. Filters are equality (`col=value`), membership (`col=[a, b]`) or an
inclusive range (`col=(low, high)`, either end may be None); values are passed as query parameters.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import duckdb
import pandas as pd
import polars as pl

from warehouse.connection import connect

MART_SCHEMA = "marts"
_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")

Frame = Literal["polars", "pandas"]


def identifier(name: str) -> str:
    """The name itself, when it is a plain lowercase identifier (safe to put in SQL); else ValueError."""
    if not _IDENTIFIER.match(name):
        raise ValueError(f"{name!r} is not a plain lowercase identifier")
    return name


def where_clause(filters: Mapping[str, Any]) -> tuple[str, list[Any]]:
    """` where ...` (or "") and its parameters, for filters with the meanings read_mart documents.

    For readers that aggregate in the database (read_sql) and must filter exactly as read_mart does."""
    clauses, params = [], []
    for col, value in filters.items():
        col = identifier(col)
        if isinstance(value, tuple):
            low, high = value
            if low is not None:
                clauses.append(f"{col} >= {{p}}")
                params.append(low)
            if high is not None:
                clauses.append(f"{col} <= {{p}}")
                params.append(high)
        elif isinstance(value, list | set | frozenset):
            values = list(value)
            if not values:
                clauses.append("1 = 0")
            else:
                clauses.append(f"{col} in ({', '.join(['{p}'] * len(values))})")
                params.extend(values)
        elif value is None:
            clauses.append(f"{col} is null")
        else:
            clauses.append(f"{col} = {{p}}")
            params.append(value)
    return (" where " + " and ".join(clauses)) if clauses else "", params


def _is_duckdb(con: Any) -> bool:
    return isinstance(con, duckdb.DuckDBPyConnection)


def list_marts(*, con: Any = None, target: str | None = None) -> list[str]:
    """Names of the tables in the marts schema."""
    sql = "select table_name from information_schema.tables where table_schema = 'marts' order by 1"
    return _fetch(sql, [], con=con, target=target).get_column("table_name").to_list()


def read_mart(
    name: str,
    *,
    columns: Sequence[str] | None = None,
    filters: Mapping[str, Any] | None = None,
    order_by: Sequence[str] | None = None,
    frame: Frame = "polars",
    con: Any = None,
    target: str | None = None,
) -> pl.DataFrame | pd.DataFrame:
    """Read a mart (a table of the `marts` schema) as a polars (default) or pandas frame."""
    known = list_marts(con=con, target=target)
    if name not in known:
        raise LookupError(
            f"no mart named {name!r}; the marts are: {', '.join(known) or '(none: build first)'}"
        )
    select = ", ".join(identifier(c) for c in columns) if columns else "*"
    where, params = where_clause(filters or {})
    sql = f"select {select} from {MART_SCHEMA}.{name}{where}"
    if order_by:
        sql += " order by " + ", ".join(identifier(c) for c in order_by)
    return read_sql(sql, params, frame=frame, con=con, target=target)


def read_sql(
    sql: str,
    params: Sequence[Any] = (),
    *,
    frame: Frame = "polars",
    con: Any = None,
    target: str | None = None,
) -> pl.DataFrame | pd.DataFrame:
    """Run a query against the warehouse; `{p}` marks a parameter (the right placeholder per target)."""
    df = _fetch(sql, params, con=con, target=target)
    return df.to_pandas() if frame == "pandas" else df


def _fetch(sql: str, params: Sequence[Any], *, con: Any, target: str | None) -> pl.DataFrame:
    own = con is None
    if own:
        con = connect(target, read_only=True)
    try:
        if _is_duckdb(con):
            return pl.from_arrow(con.sql(sql.replace("{p}", "?"), params=list(params)).to_arrow_table())
        with con.cursor() as cur:
            cur.execute(sql.replace("{p}", "%s"), list(params))
            names = [d.name for d in cur.description]
            return pl.DataFrame(cur.fetchall(), schema=names, orient="row", infer_schema_length=None)
    finally:
        if own:
            con.close()
