"""The executor runs the interpreter's rules over rows in hand, with the context rows they need."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa

from services.contract import arrow_schema, table
from services.contract.check import check, context_tables

PATIENT = "0123456789abcdef"
BOOKING = {
    "event_id": 1,
    "occurred_at": dt.datetime(2026, 11, 25, 10, 0),
    "appointment_id": 5,
    "slot_id": 7,
    "patient_id": PATIENT,
    "channel": "portal",
    "referral_id": None,
}
PATIENT_ROW = {
    "patient_id": PATIENT,
    "sex": "F",
    "birth_month": dt.date(1980, 3, 1),
    "district_id": 1,
    "attached_facility_id": None,
    "insurance": "OMS",
    "death_date": None,
}
SLOT = {"event_id": 3, "occurred_at": dt.datetime(2026, 11, 20, 9, 0), "slot_id": 7}
CONTEXT = {"patients": [PATIENT_ROW], "slot_published": [SLOT], "appointment_booked": []}


def broken(*args, **kw) -> list[tuple[int, str, str]]:
    return [(b.row, b.rule, b.column) for b in check(*args, **kw)]


def test_a_good_row_keeps_every_rule():
    assert check("appointment_booked", [BOOKING], CONTEXT) == []
    assert context_tables("appointment_booked") == ["appointment_booked", "patients", "slot_published"]


def test_value_rules_name_the_rule_the_column_and_the_value():
    bad = {**BOOKING, "channel": "pigeon", "event_id": 0, "patient_id": "Ivanov", "slot_id": "seven"}
    found = check("appointment_booked", [BOOKING, bad], CONTEXT)
    assert {(b.row, b.rule, b.column) for b in found} == {
        (1, "plausibleValueLow", "event_id"),
        (1, "matchesPattern", "patient_id"),
        (1, "allowedValues", "channel"),
        (1, "cdmDatatype", "slot_id"),
    }
    assert "channel: allowedValues: pigeon is not an allowed value" in {b.reason for b in found}
    assert not any(b.about_other_rows for b in found)
    # a missing and an unknown column, as in a file
    row = {k: v for k, v in BOOKING.items() if k != "channel"} | {"full_name": "Ivanov"}
    assert broken("appointment_booked", [row], CONTEXT) == [
        (0, "cdmField", "channel"),
        (0, "cdmField", "full_name"),
    ]


def test_plausibility_against_the_looked_up_patient():
    born_later = {**PATIENT_ROW, "birth_month": dt.date(2026, 12, 1)}
    found = check("appointment_booked", [BOOKING], {**CONTEXT, "patients": [born_later]})
    assert [(b.rule, b.column) for b in found] == [("plausibleAfterBirth", "occurred_at")]
    assert (
        found[0].reason
        == "occurred_at: plausibleAfterBirth: 2026-11-25 is before patients.birth_month 2026-12-01"
    )
    dead = {**PATIENT_ROW, "death_date": dt.date(2026, 9, 1)}
    assert broken("appointment_booked", [BOOKING], {**CONTEXT, "patients": [dead]}) == [
        (0, "plausibleBeforeDeath", "occurred_at")
    ]
    # without the patients' rows the look-up rules are not checked (context_tables says what is needed)
    assert check("appointment_booked", [BOOKING], {"slot_published": [SLOT]}) == []


def test_a_birth_after_the_load_date_and_a_key_already_held():
    future = {**PATIENT_ROW, "birth_month": dt.date(2031, 1, 1)}
    found = check("patients", [future], {"patients": []}, load_date=dt.date(2026, 12, 1))
    assert [(b.rule, b.column, b.about_other_rows) for b in found] == [
        ("plausibleValueHigh", "birth_month", False)
    ]
    again = check("patients", [PATIENT_ROW], {"patients": [PATIENT_ROW]})
    assert [(b.rule, b.column, b.about_other_rows) for b in again] == [("isPrimaryKey", "patient_id", True)]


def test_duplicates_within_the_rows_keep_the_first_of_each_partition():
    next_day = {**BOOKING, "occurred_at": dt.datetime(2026, 11, 26, 10, 0)}
    assert broken("appointment_booked", [BOOKING, BOOKING, next_day], CONTEXT) == [
        (1, "isPrimaryKey", "event_id")
    ]


def test_a_reference_points_at_a_row_of_the_day_or_the_window_before_it():
    assert broken("appointment_booked", [BOOKING], {**CONTEXT, "slot_published": []}) == [
        (0, "isForeignKey", "slot_id")
    ]
    later = {**SLOT, "occurred_at": dt.datetime(2026, 11, 26, 9, 0)}
    assert broken("appointment_booked", [BOOKING], {**CONTEXT, "slot_published": [later]}) == [
        (0, "isForeignKey", "slot_id")
    ]
    long_ago = {**SLOT, "occurred_at": dt.datetime(2026, 5, 1, 9, 0)}
    found = check("appointment_booked", [BOOKING], {**CONTEXT, "slot_published": [long_ago]})
    assert (
        found[0].reason
        == "slot_id: isForeignKey: 7 is unknown (no earlier slot_published row with this slot_id)"
    )


def test_arrow_rows_with_a_partition_day_are_checked_against_it():
    rows = pa.Table.from_pylist([BOOKING, BOOKING], schema=arrow_schema(table("appointment_booked")))
    days = pa.array([dt.date(2026, 11, 25), dt.date(2026, 11, 24)], pa.date32())
    found = check("appointment_booked", rows.append_column("_day", days), CONTEXT)
    # the second row sits in another day's folder: not a duplicate there, but not on its day either
    assert [(b.row, b.rule) for b in found] == [(1, "partitionDay")]


# --- the lifecycle's rules: a chained look-up, one row per key, no overlap -------------------------------

START = dt.datetime(2026, 11, 30, 23, 50)
SLOT_AT_NIGHT = {
    "event_id": 3, "occurred_at": dt.datetime(2026, 11, 20, 9, 0), "slot_id": 7, "doctor_id": 1,
    "facility_id": 1, "specialty_id": "therapist", "starts_at": START, "duration_min": 30,
    "is_urgent_reserve": False,
}  # fmt: skip
OUTCOME_CONTEXT = {
    "appointment_booked": [BOOKING],
    "slot_published": [SLOT_AT_NIGHT],
    "appointment_attended": [],
    "appointment_no_show": [],
}


def test_an_outcome_before_its_slot_two_look_ups_away():
    no_show = {"event_id": 20, "occurred_at": START - dt.timedelta(days=2), "appointment_id": 5}
    found = check("appointment_no_show", [no_show], OUTCOME_CONTEXT)
    assert [(b.rule, b.column, b.about_other_rows) for b in found] == [
        ("outcomeAfterSlotStart", "occurred_at", False)
    ]
    assert "is more than 60 minutes before slot_published.starts_at 2026-11-30 23:50:00" in found[0].reason
    on_time = {**no_show, "occurred_at": START + dt.timedelta(minutes=20)}
    assert check("appointment_no_show", [on_time], OUTCOME_CONTEXT) == []
    # the slot's rows missing from the context: the chain's rule is not run
    assert check("appointment_no_show", [no_show], {"appointment_booked": [BOOKING]}) == []


def test_a_second_outcome_of_an_appointment():
    attended = {"event_id": 21, "occurred_at": START + dt.timedelta(minutes=5), "appointment_id": 5}
    held = {**OUTCOME_CONTEXT, "appointment_attended": [{**attended, "event_id": 19}]}
    found = check("appointment_attended", [attended], held)
    assert [(b.rule, b.column, b.about_other_rows) for b in found] == [
        ("oneOutcomePerAppointment", "appointment_id", True)
    ]
    assert "already has a row in appointment_attended (event 19)" in found[0].reason
    # two in the rows given: the later one breaks it
    found = check("appointment_attended", [attended, {**attended, "event_id": 22}], OUTCOME_CONTEXT)
    assert [(b.row, b.rule) for b in found] == [(1, "oneOutcomePerAppointment")]
    # a held row with no event id (an API store's): the reason still says what holds the key
    found = check(
        "appointment_attended", [attended], {**held, "appointment_attended": [{**attended, "event_id": None}]}
    )
    assert (
        found[0].reason
        == "appointment_id: oneOutcomePerAppointment: 5 already has a row in appointment_attended"
    )


def test_overlapping_slots_of_one_doctor_across_midnight():
    after_midnight = {
        **SLOT_AT_NIGHT,
        "event_id": 4,
        "slot_id": 8,
        "starts_at": dt.datetime(2026, 12, 1, 0, 0),
    }
    found = check("slot_published", [after_midnight], {"slot_published": [SLOT_AT_NIGHT]})
    assert [(b.rule, b.column, b.about_other_rows) for b in found] == [
        ("noOverlappingSlots", "starts_at", True)
    ]
    assert "overlaps slot_id 7" in found[0].reason
    back_to_back = {**after_midnight, "starts_at": dt.datetime(2026, 12, 1, 0, 20)}
    other_doctor = {**after_midnight, "doctor_id": 2}
    assert check("slot_published", [back_to_back], {"slot_published": [SLOT_AT_NIGHT]}) == []
    assert check("slot_published", [other_doctor], {"slot_published": [SLOT_AT_NIGHT]}) == []
    # within the rows given, and the same slot published again is not an overlap
    found = check("slot_published", [SLOT_AT_NIGHT, after_midnight, {**SLOT_AT_NIGHT, "event_id": 2}])
    assert [(b.row, b.rule) for b in found] == [(1, "noOverlappingSlots")]
