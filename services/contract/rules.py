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
death, an outcome's time against its slot's start) are `Rule`s too (`cross_row_rules`): a rule with a
`Lookup` reads the looked-up row's columns from the alias `lookup_alias(lookup)`, which `lookup_joins`
left-joins to the row in the same statement (a chained look-up's relation joins its hops).

The set rules (`Table.set_rules`: one outcome per appointment, no overlapping slots) compare a row with
other rows of its kind: `set_rule_breaks` is one SELECT of the rows that break one, with their reasons.

Every statement here reads relations the caller names, never a warehouse table, so the same rules run over
any rows: the ingest passes its landing files (`src`) and temp tables of raw rows; another caller (the
API, the simulator's self-check) passes its own DuckDB relations. A caller supplies
- `src`: the rows checked, with the contract's columns (`typed_value` casts where its types differ);
- per look-up of `lookups(table)`, a relation (key, *columns) of the rows it finds (a chain's hops
  joined), at most one row per key (`lookup_windows` says which days of each transaction table it must
  cover), for `lookup_joins`;
- per set rule, `rows` (the checked rows, with file, row, day and `set_rule_columns`) and `held` (the
  rows already kept that rank before them: `held_windows` says which) for `set_rule_breaks`.
All of it is DuckDB SQL: the warehouse checks its rows in DuckDB whatever its target.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pyarrow as pa

from services.contract import Column, Table
from services.contract.schema import (
    ARROW_TYPES,
    LOAD_DATE,
    CrossRowRule,
    Lookup,
    NoOverlap,
    OneRowPerKey,
    SetRule,
    sql_type,
)
from services.contract.tables import TABLES

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
    """The alias the looked-up row of a `Lookup` has in a checking statement (a chain's names its hops)."""
    own = f"lk_{lookup.table}_{lookup.key}"
    return f"{lookup_alias(lookup.via)}__{own}" if lookup.via else own


def lookups(table: Table) -> dict[Lookup, list[str]]:
    """The look-ups the table's cross-row rules compare with, each with the columns read from the row
    it finds (a chained look-up is one relation: its hops are joined where it is fetched)."""
    needed: dict[Lookup, list[str]] = {}
    for r in table.cross_row_rules:
        if r.lookup is not None and r.than not in needed.setdefault(r.lookup, []):
            needed[r.lookup].append(r.than)
    return needed


def hop_aliases(lookup: Lookup) -> list[str]:
    """The aliases of a look-up's hops where it is fetched: h0, h1, ... and r for the last."""
    return [f"h{i}" for i in range(len(lookup.chain) - 1)] + ["r"]


def lookup_windows(lookup: Lookup) -> list[int | None]:
    """For each hop of a look-up, how many days before the first checked day the rows it reads in a
    transaction table may have been loaded: a reference may point REFERENCE_WINDOW_DAYS back, and each
    hop of a chain may again (None: a reference snapshot, read whole)."""
    return [
        None if TABLES[hop.table].kind == "reference" else REFERENCE_WINDOW_DAYS * (i + 1)
        for i, hop in enumerate(lookup.chain)
    ]


def lookup_joins(relations: dict[Lookup, str], key_of) -> str:
    """The left joins that give a row its looked-up rows (null where none): `relations` maps each
    look-up of `lookups` to its relation (key, *columns), keyed by the first hop's key;
    `key_of(column)` is the SQL of the checked row's column."""
    return " ".join(
        f"left join {rel} as {lookup_alias(lk)} on {lookup_alias(lk)}.key = {key_of(lk.chain[0].key)}"
        for lk, rel in relations.items()
    )


def cross_row_rules(
    table: Table, file_types: dict[str, pa.DataType], load_date: dt.date, src: str = "src"
) -> list[Rule]:
    """The table's cross-row rules for a file with these column types, as `Rule`s.

    A rule's dates are compared as dates; it is kept when either side is null (a nullable column's null,
    a row the lookup does not find: other rules own those). The reason reads
    `<column>: <rule name>: <date> is before <looked-up table>.<column> <date>`."""
    return [_cross_row_rule(table, r, file_types, load_date, src) for r in table.cross_row_rules]


def could_break(table: Table, lookup: Lookup, bounds: dict[tuple[str, str], tuple | None]) -> str:
    """SQL (over the looked-up table, alias r; DuckDB and PostgreSQL alike) true for a looked-up row that
    could break one of the table's rules through `lookup`, for checked values between the `bounds`
    ((column, compare) -> (first, last) of the load's rows as dates or timestamps; None: the load has
    none). Every other looked-up row keeps them all, so the load needs only these: for a range of days,
    the patients born after its first day or dead more than the grace before its last, not the city's
    every resident; the slots starting before the last booking, not every slot booked ahead."""
    cases = []
    for r in table.cross_row_rules:
        if r.lookup != lookup or bounds.get((r.column, r.compare)) is None:
            continue
        first, last = bounds[(r.column, r.compare)]  # type: ignore[misc]
        than = f'r."{r.than}"'
        if r.compare == "date":
            grace = f" {'-' if r.op == '>=' else '+'} {r.grace_days}"
        else:
            grace = f" {'-' if r.op == '>=' else '+'} interval '{r.grace_minutes} minutes'"
        if r.op == ">=":
            cases.append(f"{than}{grace} > {r.compare} '{first}'")
        else:
            cases.append(f"{than}{grace} < {r.compare} '{last}'")
    return " or ".join(cases) or "false"


def _cross_row_rule(
    table: Table, rule: CrossRowRule, file_types: dict[str, pa.DataType], load_date: dt.date, src: str
) -> Rule:
    as_type = rule.compare
    value = f"cast({typed_value(table.column(rule.column), file_types.get(rule.column), src)} as {as_type})"
    if rule.than == LOAD_DATE:
        other, label = f"{as_type} '{load_date}'", "the load date"
    elif rule.lookup is not None:
        other = f'cast({lookup_alias(rule.lookup)}."{rule.than}" as {as_type})'
        label = f"{rule.lookup.table}.{rule.than}"
    else:
        than = typed_value(table.column(rule.than), file_types.get(rule.than), src)
        other, label = f"cast({than} as {as_type})", rule.than
    grace, unit = (rule.grace_days, "days") if as_type == "date" else (rule.grace_minutes, "minutes")
    sign = "+" if rule.op == "<=" else "-"
    if not grace:
        bound = other
    elif as_type == "date":
        bound = f"{other} {sign} {grace}"
    else:
        bound = f"{other} {sign} interval {grace} minute"
    broke = "is before" if rule.op == ">=" else "is after"
    if grace:
        broke = f"is more than {grace} {unit} {broke.removeprefix('is ')}"
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


def reference_rule(col: Column, typed: str, found: str) -> Rule:
    """The isForeignKey rule of a reference column (`col.references`): kept when the row's value `typed`
    is null or `found` (SQL true when the value names a row of the referenced table the row may point at,
    within REFERENCE_WINDOW_DAYS); the ingest and the executor each say how they find it."""
    ref_table, ref_col = col.references  # type: ignore[misc]
    return Rule(
        f"({typed} is null or {found})",
        _concat(
            quote(f"{col.name}: {IS_FOREIGN_KEY}: "),
            f"cast({typed} as varchar)",
            quote(f" is unknown (no earlier {ref_table} row with this {ref_col})"),
        ),
        IS_FOREIGN_KEY,
        col.name,
    )


def duplicate_reason(table: Table) -> str:
    """The reason of a row whose key an earlier row of the same partition already has."""
    return quote(f"{', '.join(table.primary_key)}: {IS_PRIMARY_KEY}: duplicate of an earlier row")


# ------------------------------------------------------------------------------------------ set rules


def set_rule_columns(rule: SetRule) -> list[str]:
    """The contract columns a set rule reads from the checked rows (`rows` carries them, typed, beside
    `file`, `row` and `day`) and from the rows held (`held` carries them beside `tbl`, the table name)."""
    if isinstance(rule, OneRowPerKey):
        return [rule.key, "occurred_at", "event_id"]
    return [rule.key, *rule.group, rule.start, rule.minutes, "occurred_at", "event_id"]


def held_windows(
    table: Table, rule: SetRule, first: dt.date, last: dt.date
) -> list[tuple[str, dt.date, dt.date]]:
    """Which rows a load of `table` over the days `first`..`last` compares with, as (table, first day,
    last day) of the rows kept: those that rank before every checked row.

    A row kept on a day before the load ranks first, within REFERENCE_WINDOW_DAYS. A `OneRowPerKey`'s
    tables listed before `table` load before it, so their kept rows rank first on any day of the window
    around the load; the load's own table, and the tables after it, are compared on days before the load
    only (their rows of the load's days are being replaced, or will be checked against these)."""
    before = first - dt.timedelta(days=REFERENCE_WINDOW_DAYS)
    day_before = first - dt.timedelta(days=1)
    if isinstance(rule, NoOverlap):
        return [(table.name, before, day_before)]
    rank = rule.tables.index(table.name)
    after = last + dt.timedelta(days=REFERENCE_WINDOW_DAYS)
    return [(t, before, after if i < rank else day_before) for i, t in enumerate(rule.tables)]


def held_where(table: Table, rule: SetRule, starts: tuple[dt.datetime, dt.datetime] | None) -> str:
    """SQL over the held table's rows (alias r) that narrows them to those a set rule can compare: for a
    `NoOverlap`, the rows starting within its `minutes`' max of the checked rows' starts (`starts`: the
    first and last; None when there are none)."""
    if isinstance(rule, OneRowPerKey):
        return "true"
    if starts is None:
        return "false"
    reach = dt.timedelta(minutes=_max_minutes(table, rule))
    return f"r.\"{rule.start}\" between timestamp '{starts[0] - reach}' and timestamp '{starts[1] + reach}'"


def _max_minutes(table: Table, rule: NoOverlap) -> int:
    most = table.column(rule.minutes).max
    if most is None:
        raise ValueError(f"{table.name}.{rule.minutes}: {rule.name} needs the column's max")
    return int(most)


def set_rule_breaks(table: Table, rule: SetRule, rows: str, held: str) -> str:
    """SQL of the checked rows that break a set rule: (file, row, reason), one row each.

    `rows` is a relation of the checked rows: `file`, `row` (what names a row in the caller), `day`
    (its partition) and the `set_rule_columns`, typed; `held` a relation of the rows kept before them
    (`held_windows`, `held_where`): `tbl` and the same columns but `occurred_at`. A checked row ranks
    after every held row and after the rows of `rows` that came before it (earlier day, then earlier
    occurred_at, then lower event id)."""
    if isinstance(rule, OneRowPerKey):
        return _one_row_per_key(table, rule, rows, held)
    return _no_overlap(table, rule, rows, held)


def _earlier(y: str, x: str) -> str:
    """SQL true when checked row `y` came before checked row `x`: earlier day, then earlier occurred_at,
    then lower event id (then file and row: a repeated event id is the primary key's rule)."""
    order = ("day", "occurred_at", "event_id", "file", "row")
    return f"({', '.join(f'{y}.{c}' for c in order)}) < ({', '.join(f'{x}.{c}' for c in order)})"


def _one_row_per_key(table: Table, rule: OneRowPerKey, rows: str, held: str) -> str:
    # the keys that repeat (in the rows or beside a held row) first, by a hash aggregate; only their rows
    # are then compared pair by pair
    key = f'"{rule.key}"'
    says = _concat(
        quote(f"{rule.column}: {rule.name}: "),
        f"cast(x.{key} as varchar)",
        quote(" already has a row in "),
        "first.tbl",
        # (an API store's row may have no event id yet: the reason still names the table)
        "coalesce(' (event ' || cast(first.event_id as varchar) || ')', '')",
    )
    return (
        f"with repeats as (select {key} from {rows} where {key} is not null group by {key} "
        f"having count(*) > 1 union select {key} from {held}), "
        f"x as (select * from {rows} semi join repeats using ({key})), "
        f"firsts as (select {key}, tbl, event_id, 0 as checked, null::date as day, "
        "null::timestamp as occurred_at, null::varchar as file, null::bigint as row "
        f"from {held} union all select {key}, {quote(table.name)}, event_id, 1, day, occurred_at, file, row "
        "from x) "
        f"select x.file, x.row, {says} as reason from x join firsts as first on first.{key} = x.{key} "
        f"and (first.checked = 0 or {_earlier('first', 'x')}) "
        f"qualify row_number() over (partition by x.file, x.row order by first.checked, "
        "first.day, first.occurred_at, first.event_id) = 1"
    )


def _no_overlap(table: Table, rule: NoOverlap, rows: str, held: str) -> str:
    # sorted by start, a group holds an overlap only if two neighbours overlap (a row overlapping a later
    # one overlaps the next one too): one sort of the narrow columns finds the groups with an overlap,
    # and only their rows are then compared pair by pair
    group = [f'"{g}"' for g in rule.group]
    start, minutes, key = f'"{rule.start}"', f'"{rule.minutes}"', f'"{rule.key}"'
    cols = ", ".join([key, *group, start])
    ends = f"{start} + {minutes} * interval 1 minute"
    known = " and ".join(f"{c} is not null" for c in [*group, start, minutes])
    by = ", ".join(group)
    same = " and ".join(f"y.{g} = x.{g}" for g in group)
    says = _concat(
        quote(f"{rule.column}: {rule.name}: "),
        f"cast(x.{start} as varchar)",
        quote(" to "),
        "cast(x.ends as varchar)",
        quote(f" overlaps {rule.key} "),
        f"cast(y.{key} as varchar)",
        quote(" ("),
        f"cast(y.{start} as varchar)",
        quote(" to "),
        "cast(y.ends as varchar)",
        quote(f") of the same {', '.join(rule.group)}"),
    )
    nulls = "null::date as day, null::timestamp as occurred_at, null::bigint as event_id, " + (
        "null::varchar as file, null::bigint as row"
    )
    checked = (
        f"select {cols}, {ends} as ends, 1 as checked, day, occurred_at, event_id, file, row "
        f"from {rows} where {known}"
    )
    return (
        f"with spans as (select {by}, {start}, {ends} as ends from {held} where {known} "
        f"union all select {by}, {start}, {ends} from {rows} where {known}), "
        f"clashing as (select distinct {by} from (select {by}, {start}, "
        f"lag(ends) over (partition by {by} order by {start}) as ends_before from spans) as s "
        f"where ends_before > {start}), "
        f"near as (select {cols}, {ends} as ends, 0 as checked, {nulls} from {held} "
        f"semi join clashing using ({by}) where {known} "
        f"union all select * from ({checked}) as c semi join clashing using ({by})) "
        f"select x.file, x.row, {says} as reason from near as x join near as y on {same} "
        f"and y.{key} <> x.{key} and y.{start} < x.ends and y.ends > x.{start} "
        f"and (y.checked = 0 or {_earlier('y', 'x')}) where x.checked = 1 "
        f"qualify row_number() over (partition by x.file, x.row order by y.{start}, y.{key}) = 1"
    )
