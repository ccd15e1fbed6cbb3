"""The outbox's contract check refuses what the warehouse would quarantine (no database needed): a value
that is not of its column's Python type is a bug; a value that breaks a rule is named with the rule."""

from __future__ import annotations

import datetime as dt

import pytest

from services.api.outbox import event_id, validate_row
from services.api.security import pseudonym

GOOD = {
    "event_id": event_id(1),
    "occurred_at": dt.datetime(2026, 11, 25, 10, 0),
    "appointment_id": 2**62 + 5,
    "slot_id": 7,
    "patient_id": pseudonym("k", "oms:1"),
    "channel": "portal",
    "referral_id": None,
}


def test_a_good_row_passes():
    assert validate_row("appointment_booked", GOOD) == []
    assert GOOD["event_id"] > 2**62 and len(GOOD["patient_id"]) == 16


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        ({"channel": "pigeon"}, "channel: allowedValues: pigeon"),
        ({"patient_id": "Ivanov Ivan"}, "patient_id: matchesPattern"),
        ({"slot_id": None}, "slot_id: isRequired: must not be null"),
        ({"slot_id": "7"}, "slot_id: str"),
        ({"occurred_at": dt.date(2026, 11, 25)}, "occurred_at"),
        ({"occurred_at": dt.datetime(2026, 11, 25, tzinfo=dt.UTC)}, "occurred_at"),
        ({"event_id": 0}, "event_id: plausibleValueLow"),
        ({"full_name": "Ivanov"}, "unexpected ['full_name']"),
    ],
)
def test_a_bad_row_is_named(change, complaint):
    problems = validate_row("appointment_booked", {**GOOD, **change})
    assert any(complaint in p for p in problems), problems


def test_missing_columns_and_unknown_tables():
    row = dict(GOOD)
    del row["channel"]
    assert "missing ['channel']" in validate_row("appointment_booked", row)[0]
    assert validate_row("no_such_table", GOOD)
    assert validate_row("patients", GOOD) == ["patients is not a transaction table"]


def test_pseudonyms_are_keyed():
    assert pseudonym("a", "oms:1") != pseudonym("b", "oms:1")
    assert pseudonym("a", "oms:1") == pseudonym("a", "oms:1")
