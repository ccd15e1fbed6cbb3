"""The contract's rules on what the API writes: each outbox row and each patient registered is checked by
the contract's executor (`services.contract.check`) before it is written, so the API refuses what the
warehouse's ingest would quarantine, under the same rule names.

    enforce(session, table, row, body_fields=...)   raises RuleBroken naming every rule the row broke

The rules' context (the row's patient, the slot it books, the patient already registered with the id)
comes from the store in contract shape: `STORE_SHAPES` maps a contract table to the store's model and
its columns, and `context_rows` fetches, for each look-up, reference and key the table's rules declare,
the store's rows with the row's value. A rule added to the contract is enforced here with no code
changed, as long as its tables are mapped. This module imports no web framework: `services.api.main`
answers RuleBroken as FastAPI answers a validation error (422, or 409 for a rule about other rows).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from services.api.models import Appointment, Patient, Prescription, Slot
from services.contract.check import Broken, check
from services.contract.tables import TABLES

UNPROCESSABLE, CONFLICT = 422, 409


@dataclass(frozen=True)
class StoreShape:
    """How the store holds a contract table's rows: `columns` maps a contract column to the model's
    column (the ones the store keeps); `where` narrows the model's rows to the table's (e.g. a status)."""

    model: type
    columns: Mapping[str, Any]
    where: tuple[ColumnElement[bool], ...] = field(default=())


def _same(model: type, names: str) -> dict[str, Any]:
    return {n: getattr(model, n) for n in names.split()}


STORE_SHAPES: dict[str, StoreShape] = {
    "patients": StoreShape(
        Patient,
        _same(Patient, "patient_id sex birth_month district_id attached_facility_id insurance death_date"),
    ),
    "slot_published": StoreShape(
        Slot,
        {"occurred_at": Slot.published_at}
        | _same(Slot, "slot_id doctor_id facility_id specialty_id starts_at duration_min is_urgent_reserve"),
    ),
    "appointment_booked": StoreShape(
        Appointment,
        {"occurred_at": Appointment.booked_at}
        | _same(Appointment, "appointment_id slot_id patient_id channel referral_id"),
    ),
    "prescription_issued": StoreShape(
        Prescription,
        {"occurred_at": Prescription.issued_at}
        | _same(
            Prescription,
            "prescription_id encounter_id patient_id doctor_id atc_code quantity days_supply "
            "benefit_category",
        ),
    ),
}


class RuleBroken(Exception):
    """A row the API was about to write breaks contract rules: `status` 409 when one is about other rows
    (a key already held, a reference), else 422; `detail` in FastAPI's validation-error shape, one entry
    per rule: loc ["body", field] when the column is a field of the request's body, else [table, column];
    msg the rule's reason; type the rule's name."""

    def __init__(self, table: str, broken: list[Broken], body_fields: Collection[str] = ()):
        self.table, self.broken = table, broken
        self.status = CONFLICT if any(b.about_other_rows for b in broken) else UNPROCESSABLE
        self.detail = [
            {
                "loc": ["body", b.column] if b.column in body_fields else [table, b.column],
                "msg": b.reason,
                "type": b.rule,
            }
            for b in broken
        ]
        super().__init__("; ".join(b.reason for b in broken))


def wanted_rows(table: str, row: Mapping[str, Any]) -> dict[str, list[tuple[str, Any]]]:
    """What the table's rules look at, as (contract column, value) per contract table: the looked-up
    rows (a cross-row rule's `Lookup`), the referenced rows (`Column.references`, transactions) and the
    rows already holding the row's key (a one-column primary key)."""
    t = TABLES[table]
    wanted: dict[str, list[tuple[str, Any]]] = {}
    for rule in t.cross_row_rules:
        if rule.lookup is not None and rule.lookup.key in row:
            wanted.setdefault(rule.lookup.table, []).append((rule.lookup.table_key, row[rule.lookup.key]))
    if t.kind == "transaction":
        for col in t.columns:
            if col.references and col.name in row:
                wanted.setdefault(col.references[0], []).append((col.references[1], row[col.name]))
    if len(t.primary_key) == 1 and t.primary_key[0] in row:
        wanted.setdefault(table, []).append((t.primary_key[0], row[t.primary_key[0]]))
    return wanted


def context_rows(session: Session, table: str, row: Mapping[str, Any]) -> dict[str, list[dict]]:
    """The store's rows, in contract shape, that the rules of `table` look at for `row` (see `wanted_rows`);
    a table the store does not hold (not in STORE_SHAPES, or not by the wanted column) is left out, and
    its rules are then not checked here (the ingest checks them)."""
    context = {}
    for name, wants in wanted_rows(table, row).items():
        shape = STORE_SHAPES.get(name)
        if shape is None or any(column not in shape.columns for column, _ in wants):
            continue
        values = [(column, value) for column, value in wants if value is not None]
        if not values:
            context[name] = []
            continue
        columns = [c.label(n) for n, c in shape.columns.items()]
        found = session.execute(
            select(*columns).where(*shape.where, or_(*(shape.columns[c] == v for c, v in values)))
        )
        context[name] = [dict(r._mapping) for r in found]
    return context


def enforce(
    session: Session,
    table: str,
    row: Mapping[str, Any],
    *,
    today: dt.date,
    body_fields: Collection[str] = (),
) -> None:
    """Check one row of contract `table` against every rule the contract declares for it, with its
    context from the store; raises RuleBroken (every rule broken) when it breaks any. `today` is the date
    the rules against the load's date compare with (the service's today)."""
    broken = check(table, [row], context_rows(session, table, row), load_date=today)
    if broken:
        raise RuleBroken(table, broken, body_fields)
