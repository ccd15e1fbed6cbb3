"""The API's hospital writes and the contract's rules, without a database: the store is mapped to every
hospital table (so their rules run before a row is written), an admission's source follows its type, and
the rules a stay can break answer 422 or 409 as the README says."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi import HTTPException

from services.api.outbox import event_id
from services.api.routes.hospitals import _admission_source
from services.api.rules import STORE_SHAPES, RuleBroken
from services.api.schemas import AdmitIn
from services.contract.check import check
from services.contract.tables import HOSPITAL_TRANSACTION_TABLES, TABLES

PATIENT = "0123456789abcdef"
ADMITTED = dt.datetime(2026, 11, 20, 10, 0)


def test_every_hospital_table_is_held_by_the_store_in_contract_columns():
    for t in HOSPITAL_TRANSACTION_TABLES:
        assert t.name in STORE_SHAPES, t.name
    for name, shape in STORE_SHAPES.items():
        assert set(shape.columns) <= set(TABLES[name].column_names), name
    # the referral a planned admission looks up, and the booking a follow-up references
    assert {"referral_issued", "appointment_booked"} <= STORE_SHAPES.keys()


def _admit(**body) -> AdmitIn:
    return AdmitIn(patient_id=PATIENT, department_id=1, primary_icd10="I20.0", **body)


@pytest.mark.parametrize(
    ("body", "source"),
    [
        ({"admission_type": "planned", "referral_id": 5}, "referral"),
        ({"admission_type": "emergency"}, "ambulance"),
        ({"admission_type": "emergency", "admission_source": "self_referral"}, "self_referral"),
        ({"admission_type": "emergency", "admission_source": "hospital_transfer"}, "hospital_transfer"),
    ],
)
def test_an_admissions_source_follows_its_type(body, source):
    assert _admission_source(_admit(**body)) == source


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"admission_type": "planned"}, "referral_id"),
        (
            {"admission_type": "planned", "referral_id": 5, "admission_source": "ambulance"},
            "admission_source",
        ),
        ({"admission_type": "emergency", "referral_id": 5}, "referral_id"),
        ({"admission_type": "emergency", "admission_source": "referral"}, "admission_source"),
    ],
)
def test_a_planned_admission_needs_a_referral_and_an_emergency_takes_none(body, field):
    with pytest.raises(HTTPException) as refused:
        _admission_source(_admit(**body))
    assert refused.value.status_code == 422 and refused.value.detail[0]["loc"] == ["body", field]


def _admission() -> dict:
    return dict(
        event_id=event_id(1), occurred_at=ADMITTED, stay_id=2**62 + 1, patient_id=PATIENT, hospital_id=1,
        department_id=1, admission_type="emergency", admission_source="ambulance", referral_id=None,
        primary_icd10="I20.0", attached_facility_id=1,
    )  # fmt: skip


def _discharge(at: dt.datetime, n: int = 2) -> dict:
    return dict(
        event_id=event_id(n), occurred_at=at, stay_id=2**62 + 1, discharge_outcome="home",
        primary_icd10="I20.0", secondary_icd10=None,
    )  # fmt: skip


def test_a_discharge_before_its_admission_is_a_422_and_a_second_discharge_a_409():
    context = {"hospital_admitted": [_admission()], "hospital_discharged": []}
    early = check("hospital_discharged", [_discharge(ADMITTED - dt.timedelta(hours=1))], context)
    assert [b.rule for b in early] == ["dischargedAfterAdmission"]
    assert RuleBroken("hospital_discharged", early, {"occurred_at"}).status == 422
    first = _discharge(ADMITTED + dt.timedelta(days=3))
    context["hospital_discharged"] = [first]
    second = check("hospital_discharged", [_discharge(ADMITTED + dt.timedelta(days=4), n=3)], context)
    assert [b.rule for b in second] == ["oneDischargePerStay"]
    refusal = RuleBroken("hospital_discharged", second, {"occurred_at"})
    assert refusal.status == 409 and refusal.detail[0]["loc"] == ["hospital_discharged", "stay_id"]
    assert str(first["event_id"]) in refusal.detail[0]["msg"]  # names the discharge that stands
