"""Stand-in for dbt's `run_started_at` (a datetime), for sqlfluff's jinja templater only."""


def strftime(_format: str) -> str:
    return "2025-01-01 00:00:00.000000"
