"""The contract's row rules as SQL: the one place the warehouse turns a column's declaration into checks.

The ingest (`warehouse.ingest`) reads landing files with DuckDB and asks this module, per file layout, for
- each column's typed value (`try_cast` only where the file's type differs from the contract's), and
- each rule as a `Rule`: a `kept` SQL boolean and the `reason` a broken row is quarantined with.

The good rows are those for which every `kept` is true (`kept_all`); a quarantined row carries the
reasons of the rules it broke (`reasons`), in the format `column: value is ...`. A `kept` may be null only
when another rule of the same row is false (a null value of a required column fails `must not be null`,
a value that does not cast fails `is not a valid <type>`), so every row left out of the good rows has a
reason. Rules that need other rows (references to earlier events, duplicates of a key) are joins and
live in `warehouse.ingest`; their reasons are written here too, so the wording is in one place.

The contract's cross-row rules (`Table.cross_row_rules`: a row's date against the patient's birth and
death, say) are `Rule`s too (`cross_row_rules`): a rule with a `Lookup` reads the looked-up row's columns
from the alias `lookup_alias(lookup)`, which the ingest left-joins to the row in the same statement.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pyarrow as pa

from services.contract import Column, Table
from services.contract.schema import ARROW_TYPES, LOAD_DATE, CrossRowRule, Lookup, sql_type

# How far back a reference may point (a slot is published at most this long before it is booked, etc.):
# a reference is kept when the referenced row was loaded on the row's day or in these days before it.
# Bounding the look-up keeps a day's load independent of the history held.
REFERENCE_WINDOW_DAYS = 90


# The names of the per-column rules, after OHDSI's Data Quality Dashboard checks where it has one
# (https://ohdsi.github.io/DataQualityDashboard/articles/CheckTypeDescriptions.html)
IS_REQUIRED = "isRequired"  # a required column's value is not null
CDM_DATATYPE = "cdmDatatype"  # the value is of the column's type
CDM_FIELD = "cdmField"  # the file has the contract's columns, and only them
ALLOWED_VALUES = "allowedValues"  # a closed vocabulary's value
PLAUSIBLE_VALUE_LOW = "plausibleValueLow"
PLAUSIBLE_VALUE_HIGH = "plausibleValueHigh"
MATCHES_PATTERN = "matchesPattern"
PARTITION_DAY = "partitionDay"  # an event's partition is its occurred_at's date
IS_FOREIGN_KEY = "isForeignKey"  # a reference points at an earlier row
IS_PRIMARY_KEY = "isPrimaryKey"  # no two rows have the same key


@dataclass(frozen=True)
class Rule:
    """One check of a row: `kept` is true when the row keeps the rule; `reason` says how it broke it.

    `reason` is SQL of a text `<column>: <name>: <what is wrong>`, so a reader can count the breaks per
    rule (`name`) and per field (`column`) without parsing the wording."""

    kept: str
    reason: str
    name: str = ""
    column: str = ""


def quote(text: str) -> str:
    """A SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def _concat(*parts: str) -> str:
    return " || ".join(parts)


def _rule(kept: str, column: str, name: str, *says: str) -> Rule:
    """A `Rule` whose reason is `<column>: <name>: ` followed by the SQL text parts `says`."""
    return Rule(kept, _concat(quote(f"{column}: {name}: "), *says), name, column)


def typed_value(col: Column, file_type: pa.DataType | None, src: str = "src") -> str:
    """SQL of the column's value in the contract's type: the file's own value when the file already has
    that type, else `try_cast` (null where the value does not cast), `null` when the file lacks it."""
    if file_type is None:
        return f"cast(null as {sql_type(col.type, 'duckdb')})"
    value = f'{src}."{col.name}"'
    if file_type == ARROW_TYPES[col.type]:
        return value
    return f"try_cast({value} as {sql_type(col.type, 'duckdb')})"


def column_rules(col: Column, file_type: pa.DataType | None, src: str = "src") -> list[Rule]:
    """The rules one column's value must keep, given the type the file has it in (None: not in the file).

    Raises nothing: a file's own faults (a missing column, a value of the wrong type) become rules that
    quarantine its rows with the reason."""
    name = col.name
    if file_type is None:
        return [_rule("false", name, CDM_FIELD, quote("column missing from the file"))]
    raw = f'{src}."{name}"'
    typed = typed_value(col, file_type, src)
    text = f"cast({typed} as varchar)"
    rules = []
    if not col.nullable:
        rules.append(_rule(f"{raw} is not null", name, IS_REQUIRED, quote("must not be null")))
    if typed != raw:
        rules.append(
            _rule(
                f"({raw} is null or {typed} is not null)",
                name,
                CDM_DATATYPE,
                f"left(cast({raw} as varchar), 40)",
                quote(f" is not a valid {col.type}"),
            )
        )
    checks = []
    if col.allowed:
        values = ", ".join(quote(v) for v in col.allowed)
        checks.append((ALLOWED_VALUES, f"{typed} in ({values})", " is not an allowed value"))
    if col.min is not None:
        checks.append((PLAUSIBLE_VALUE_LOW, f"{typed} >= {col.min:g}", f" is below the minimum {col.min:g}"))
    if col.max is not None:
        checks.append((PLAUSIBLE_VALUE_HIGH, f"{typed} <= {col.max:g}", f" is above the maximum {col.max:g}"))
    if col.pattern:
        check = f"regexp_full_match({typed}, {quote(col.pattern)})"
        checks.append((MATCHES_PATTERN, check, f" does not match {col.pattern}"))
    for rule_name, check, says in checks:
        # a required column's null already fails `must not be null`: the plain comparison lets the scan
        # push it down (and skip it where the file's statistics show every value passes)
        kept = check if not col.nullable else f"({typed} is null or {check})"
        rules.append(_rule(kept, name, rule_name, text, quote(says)))
    return rules


def row_rules(
    table: Table, file_types: dict[str, pa.DataType], day: str | None, src: str = "src"
) -> list[Rule]:
    """Every rule a row of a file with these column types must keep; `day` is the SQL of the row's
    partition day (None for a reference snapshot)."""
    rules = [r for col in table.columns for r in column_rules(col, file_types.get(col.name), src)]
    if day is not None and "occurred_at" in file_types:
        # the contract: an event's partition is the (Moscow) date of its occurred_at; the facts and the
        # windowed checks of a day rely on it
        occurred = typed_value(table.column("occurred_at"), file_types["occurred_at"], src)
        rules.append(
            _rule(
                f"cast({occurred} as date) = {day}",
                "occurred_at",
                PARTITION_DAY,
                f"cast({occurred} as varchar)",
                quote(" is not on the partition's day "),
                f"cast({day} as varchar)",
            )
        )
    for extra in sorted(set(file_types) - set(table.column_names)):
        rules.append(_rule("false", extra, CDM_FIELD, quote("column is not in the contract")))
    return rules


def lookup_alias(lookup: Lookup) -> str:
    """The alias the looked-up row of a `Lookup` has in a checking statement."""
    return f"lk_{lookup.table}_{lookup.key}"


def cross_row_rules(
    table: Table, file_types: dict[str, pa.DataType], load_date: dt.date, src: str = "src"
) -> list[Rule]:
    """The table's cross-row rules for a file with these column types, as `Rule`s.

    A rule's dates are compared as dates; it is kept when either side is null (a nullable column's null,
    a row the lookup does not find: other rules own those). The reason reads
    `<column>: <rule name>: <date> is before <looked-up table>.<column> <date>`."""
    return [_cross_row_rule(table, r, file_types, load_date, src) for r in table.cross_row_rules]


def could_break(table: Table, lookup: Lookup, bounds: dict[str, tuple[dt.date, dt.date] | None]) -> str:
    """SQL (over the looked-up table, alias r; DuckDB and PostgreSQL alike) true for a looked-up row that
    could break one of the table's rules through `lookup`, for checked values between the `bounds`
    (column -> (first, last) date of the load's rows; None: the load has none). Every other looked-up
    row keeps them all, so the load needs only these: for a range of days, the patients born after its
    first day or dead more than the grace before its last, not the city's every resident."""
    cases = []
    for r in table.cross_row_rules:
        if r.lookup != lookup or bounds.get(r.column) is None:
            continue
        first, last = bounds[r.column]  # type: ignore[misc]
        than = f'r."{r.than}"'
        if r.op == ">=":
            cases.append(f"{than} > date '{first}'")
        else:
            cases.append(f"{than} + {r.grace_days} < date '{last}'")
    return " or ".join(cases) or "false"


def _cross_row_rule(
    table: Table, rule: CrossRowRule, file_types: dict[str, pa.DataType], load_date: dt.date, src: str
) -> Rule:
    value = f"cast({typed_value(table.column(rule.column), file_types.get(rule.column), src)} as date)"
    if rule.than == LOAD_DATE:
        other, label = f"date '{load_date}'", "the load date"
    elif rule.lookup is not None:
        other, label = f'{lookup_alias(rule.lookup)}."{rule.than}"', f"{rule.lookup.table}.{rule.than}"
    else:
        other = f"cast({typed_value(table.column(rule.than), file_types.get(rule.than), src)} as date)"
        label = rule.than
    bound = f"{other} + {rule.grace_days}" if rule.grace_days else other
    if rule.op == ">=":
        broke = "is before"
    else:
        broke = f"is more than {rule.grace_days} days after" if rule.grace_days else "is after"
    return _rule(
        f"({value} is null or {other} is null or {value} {rule.op} {bound})",
        rule.column,
        rule.name,
        f"cast({value} as varchar)",
        quote(f" {broke} {label} "),
        f"cast({other} as varchar)",
    )


def file_is_whole(rules: list[Rule]) -> bool:
    """False when a rule fails every row of the file (a missing or an extra column)."""
    return all(r.kept != "false" for r in rules)


def kept_all(rules: list[Rule]) -> str:
    """SQL true for a row that keeps every rule (null or false otherwise)."""
    return " and ".join(r.kept for r in rules) or "true"


def reasons(rules: list[Rule]) -> str:
    """SQL list of the reasons of the rules a row broke (empty for a good row)."""
    cases = ", ".join(f"case when not coalesce({r.kept}, true) then {r.reason} end" for r in rules)
    return f"list_filter([{cases}], lambda r: r is not null)"


def unknown_reference_reason(col: Column, typed: str) -> str:
    """The reason of a reference to no earlier row (`col.references`)."""
    ref_table, ref_col = col.references  # type: ignore[misc]
    return _concat(
        quote(f"{col.name}: {IS_FOREIGN_KEY}: "),
        f"cast({typed} as varchar)",
        quote(f" is unknown (no earlier {ref_table} row with this {ref_col})"),
    )


def duplicate_reason(table: Table) -> str:
    """The reason of a row whose key an earlier row of the same partition already has."""
    return quote(f"{', '.join(table.primary_key)}: {IS_PRIMARY_KEY}: duplicate of an earlier row")
