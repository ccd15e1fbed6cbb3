"""The contract's rules on what the API writes: each outbox row and each patient registered is checked by
the contract's executor (`services.contract.check`) before it is written, so the API refuses what the
warehouse's ingest would quarantine, under the same rule names.

    enforce(session, table, row, body_fields=...)   raises RuleBroken naming every rule the row broke

The rules' context (the row's patient, the slot it books, an outcome's booking and then its slot, the
doctor's slots around a new one, the patient already registered with the id) comes from the store in
contract shape: `STORE_SHAPES` maps a contract table to the store's model and its columns, and
`context_rows` fetches, for each key, reference, look-up and set rule the table's rules declare, the
store's rows that rule could find. A rule added to the contract is enforced here with no code
changed, as long as its tables are mapped. This module imports no web framework: `services.api.main`
answers RuleBroken as FastAPI answers a validation error (422, or 409 for a rule about other rows).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, false, select
from sqlalchemy.orm import Session

from services.api.models import Appointment, FollowUp, Patient, Prescription, Referral, Slot, Stay, Transfer
from services.contract.check import Broken, check
from services.contract.rules import lookups
from services.contract.schema import NoOverlap, OneRowPerKey
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
    # an appointment's outcome and cancellation are its status, dated when it changed
    **{
        table: StoreShape(
            Appointment,
            {"occurred_at": Appointment.changed_at, "appointment_id": Appointment.appointment_id},
            (Appointment.status == status,),
        )
        for table, status in (
            ("appointment_attended", "attended"),
            ("appointment_no_show", "no_show"),
            ("appointment_cancelled", "cancelled"),
        )
    },
    "prescription_issued": StoreShape(
        Prescription,
        {"occurred_at": Prescription.issued_at}
        | _same(
            Prescription,
            "prescription_id encounter_id patient_id doctor_id atc_code quantity days_supply "
            "benefit_category",
        ),
    ),
    "referral_issued": StoreShape(
        Referral,
        {"occurred_at": Referral.issued_at}
        | _same(Referral, "referral_id encounter_id patient_id to_specialty_id"),
    ),
    # a stay is its admission, and once discharged its discharge too
    "hospital_admitted": StoreShape(
        Stay,
        {"occurred_at": Stay.admitted_at, "department_id": Stay.admitted_department_id}
        | _same(
            Stay,
            "stay_id patient_id hospital_id admission_type admission_source referral_id primary_icd10 "
            "attached_facility_id",
        ),
    ),
    "patient_transferred": StoreShape(
        Transfer,
        {"occurred_at": Transfer.transferred_at}
        | _same(Transfer, "stay_id from_department_id to_department_id"),
    ),
    "hospital_discharged": StoreShape(
        Stay,
        {
            "event_id": Stay.discharge_event_id,
            "occurred_at": Stay.discharged_at,
            "stay_id": Stay.stay_id,
            "discharge_outcome": Stay.discharge_outcome,
            "primary_icd10": Stay.discharge_icd10,
            "secondary_icd10": Stay.discharge_secondary_icd10,
        },
        (Stay.discharged_at.is_not(None),),
    ),
    "follow_up_booked": StoreShape(
        FollowUp, {"occurred_at": FollowUp.booked_at} | _same(FollowUp, "stay_id appointment_id")
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


Condition = tuple[str, str, Any]  # (contract column, "=" / "in" / "between", value)


def context_rows(session: Session, table: str, row: Mapping[str, Any]) -> dict[str, list[dict]]:
    """The store's rows, in contract shape, that the rules of `table` look at for `row`: the rows held
    already with its key; the rows it references; its look-ups' rows, hop by hop (an outcome's booking,
    then the booking's slot); the rows its set rules compare it with (the appointment's outcomes, the
    doctor's slots starting near it). A table the store does not hold by the wanted column (not in
    STORE_SHAPES) is left out, and its rules are then not checked here (the ingest checks them).

    The store's row of the event being written (flushed in this transaction: equal to `row` on every
    column the store keeps) is that row itself, not a row held before it, and is left out."""
    t = TABLES[table]
    context: dict[str, list[dict]] = {}

    def add(name: str, conditions: list[Condition]) -> list[dict]:
        found = _fetch(session, name, conditions)
        if found is None:
            return []
        if name == table and t.kind == "transaction":
            found = [r for r in found if any(row.get(c) != v for c, v in r.items())]
        held = context.setdefault(name, [])
        held += [r for r in found if r not in held]
        return found

    if len(t.primary_key) == 1:
        add(table, [(t.primary_key[0], "=", row.get(t.primary_key[0]))])
    if t.kind == "transaction":
        for col in t.columns:
            if col.references:
                add(col.references[0], [(col.references[1], "=", row.get(col.name))])
    for lookup in lookups(t):
        found = [row]
        for hop in lookup.chain:  # hop by hop: an outcome's booking, then the booking's slot
            found = add(hop.table, [(hop.table_key, "in", [r.get(hop.key) for r in found])])
    for rule in t.set_rules:
        if isinstance(rule, OneRowPerKey):
            for name in rule.tables:
                add(name, [(rule.key, "=", row.get(rule.key))])
        elif isinstance(rule, NoOverlap) and row.get(rule.start) is not None:
            # slots that could overlap start less than the longest slot apart (the column's max)
            reach = dt.timedelta(minutes=t.column(rule.minutes).max or 0)
            near = (row[rule.start] - reach, row[rule.start] + reach)
            add(table, [(g, "=", row.get(g)) for g in rule.group] + [(rule.start, "between", near)])
    return context


def _fetch(session: Session, name: str, conditions: list[Condition]) -> list[dict] | None:
    """The store's rows of contract table `name` meeting every condition, in contract shape; None when
    the store does not hold the table by these columns."""
    shape = STORE_SHAPES.get(name)
    if shape is None or any(column not in shape.columns for column, _, _ in conditions):
        return None
    where = []
    for column, op, value in conditions:
        model_column = shape.columns[column]
        if op == "in":
            values = [v for v in value if v is not None]
            where.append(model_column.in_(values) if values else false())
        elif op == "between":
            where.append(model_column.between(*value))
        else:
            where.append(model_column == value if value is not None else false())
    columns = [c.label(n) for n, c in shape.columns.items()]
    return [dict(r._mapping) for r in session.execute(select(*columns).where(*shape.where, *where))]


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
