"""The day partitions every transaction asset shares."""

import dagster as dg

# The warehouse holds history from 2024 on; a day becomes a partition once it is over (data of the
# future cannot have been exported yet).
FIRST_DAY = "2024-01-01"

daily_partitions = dg.DailyPartitionsDefinition(start_date=FIRST_DAY, timezone="Europe/Moscow")
