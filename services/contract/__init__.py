"""The export contract: the one agreement between the operational side and the warehouse.

Every table that crosses from `services/` (the simulator's Parquet files or the API's outbox) into the
warehouse is declared here once, with its columns, types and rules. The simulator writes with the Arrow
schemas derived from it; the warehouse derives its raw-layer DDL and its row validation from it. Nothing
else may define the shape of an exported row.

`services.contract.calendar` is Russia's production calendar, which both sides count working days on (the
simulator plans its days on it; the warehouse loads it as raw.production_calendar).

Times are naive local Moscow time (Europe/Moscow, UTC+3 all year), so a row's partition date is simply
the date of its `occurred_at`.
"""

from services.contract.schema import CONTRACT_VERSION, Column, Table, arrow_schema
from services.contract.tables import TABLES, reference_tables, table, transaction_tables
from services.contract.vocabulary import (
    ADMISSION_SOURCES,
    ADMISSION_TYPES,
    AGE_BANDS,
    BED_PROFILES,
    BENEFIT_CATEGORIES,
    CANCELLED_BY,
    CHANNELS,
    COST_CATEGORIES,
    DIAGNOSIS_KINDS,
    DISCHARGE_OUTCOMES,
    DISPENSARY_ACTIONS,
    FACILITY_KINDS,
    FUNDING_SOURCES,
    HOSPITAL_KINDS,
    INSURANCE_KINDS,
    REMOTE_CHANNELS,
    SEXES,
    VISIT_TYPES,
    WAIT_STANDARD_UNITS,
)

__all__ = [
    "ADMISSION_SOURCES",
    "ADMISSION_TYPES",
    "AGE_BANDS",
    "BED_PROFILES",
    "BENEFIT_CATEGORIES",
    "CANCELLED_BY",
    "CHANNELS",
    "CONTRACT_VERSION",
    "COST_CATEGORIES",
    "Column",
    "DIAGNOSIS_KINDS",
    "DISCHARGE_OUTCOMES",
    "DISPENSARY_ACTIONS",
    "FACILITY_KINDS",
    "FUNDING_SOURCES",
    "HOSPITAL_KINDS",
    "INSURANCE_KINDS",
    "REMOTE_CHANNELS",
    "SEXES",
    "TABLES",
    "Table",
    "VISIT_TYPES",
    "WAIT_STANDARD_UNITS",
    "arrow_schema",
    "reference_tables",
    "table",
    "transaction_tables",
]
