"""Stand-ins for dbt builtins sqlfluff does not know (lint only)."""


def env_var(name, default=""):
    return default
