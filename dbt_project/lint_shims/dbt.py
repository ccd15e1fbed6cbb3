"""Stand-ins for dbt's cross-database macros, for sqlfluff's jinja templater only (lint, not build).

sqlfluff renders models without dbt, so `dbt.datediff(...)` and friends need a plausible SQL expansion
for the linter to parse; dbt itself uses its real macros when it builds.
"""


def datediff(first, second, datepart):
    return f"date_part('{datepart}', ({second})::timestamp - ({first})::timestamp)"


def dateadd(datepart, interval, from_date_or_timestamp):
    return f"({from_date_or_timestamp} + interval '{interval} {datepart}')"


def date_trunc(datepart, date):
    return f"date_trunc('{datepart}', {date})"


def type_timestamp():
    return "timestamp"


def type_string():
    return "varchar"


def type_int():
    return "integer"


def concat(fields):
    return " || ".join(fields)


def date_spine(datepart, start_date, end_date):
    return f"select generate_series({start_date}, {end_date}, interval '1 {datepart}') as date_{datepart}"


def type_bigint():
    return "bigint"


def split_part(string_text, delimiter_text, part_number):
    return f"split_part({string_text}, {delimiter_text}, {part_number})"
