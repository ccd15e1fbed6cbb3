"""Who is calling: bearer tokens per role (stored hashed), and the patient pseudonym.

Roles: `patient` (bound to a patient), `registry` (registry staff of a facility), `doctor` (bound to a
doctor, and through the doctor's post to a facility), `pharmacist` (bound to a pharmacy), `hospital`
(hospital staff: admissions desk and wards, bound to one hospital), `admin`.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.api.models import ApiToken, Doctor, Hospital, Patient
from services.api.outbox import moscow_now

Role = Literal["patient", "registry", "doctor", "pharmacist", "hospital", "admin"]
ROLES: tuple[str, ...] = ("patient", "registry", "doctor", "pharmacist", "hospital", "admin")
# the id each bound role's token needs
BOUND_TO = {
    "patient": "patient_id",
    "registry": "facility_id",
    "doctor": "doctor_id",
    "pharmacist": "pharmacy_id",
    "hospital": "hospital_id",
}


def pseudonym(key: str, identity: str) -> str:
    """The contract's patient id: 16 hex characters of an HMAC-SHA256 of the operational identity."""
    return hmac.new(key.encode(), identity.encode(), hashlib.sha256).hexdigest()[:16]


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Principal:
    role: str
    patient_id: str | None = None
    facility_id: int | None = None
    doctor_id: int | None = None
    pharmacy_id: int | None = None
    hospital_id: int | None = None


def issue_token(
    session: Session,
    role: str,
    *,
    patient_id: str | None = None,
    facility_id: int | None = None,
    doctor_id: int | None = None,
    pharmacy_id: int | None = None,
    hospital_id: int | None = None,
    label: str | None = None,
) -> str:
    """Create a token for a role and return it (only its hash is stored; the caller commits)."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {ROLES}")
    given = {
        "patient_id": patient_id,
        "facility_id": facility_id,
        "doctor_id": doctor_id,
        "pharmacy_id": pharmacy_id,
        "hospital_id": hospital_id,
    }
    if role in BOUND_TO and given[BOUND_TO[role]] is None:
        raise ValueError(f"a {role} token needs {BOUND_TO[role]}")
    if role == "patient" and session.get(Patient, patient_id) is None:
        raise ValueError("no such patient")
    if role == "hospital" and session.get(Hospital, hospital_id) is None:
        raise ValueError("no such hospital")
    if role == "doctor":
        doctor = session.get(Doctor, doctor_id)
        if doctor is None:
            raise ValueError("no such doctor")
        facility_id = doctor.facility_id
    token = secrets.token_urlsafe(32)
    session.add(
        ApiToken(
            token_hash=hash_token(token),
            role=role,
            patient_id=patient_id if role == "patient" else None,
            facility_id=facility_id if role in ("registry", "doctor") else None,
            doctor_id=doctor_id if role == "doctor" else None,
            pharmacy_id=pharmacy_id if role == "pharmacist" else None,
            hospital_id=hospital_id if role == "hospital" else None,
            label=label,
            created_at=moscow_now(),
        )
    )
    return token


class TokenCache:
    """Resolved tokens remembered for a few seconds: one query less on every request."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self._items: dict[str, tuple[float, Principal]] = {}
        self._lock = threading.Lock()

    def get(self, token_hash: str) -> Principal | None:
        item = self._items.get(token_hash)
        if item is None or item[0] < time.monotonic():
            return None
        return item[1]

    def put(self, token_hash: str, principal: Principal) -> None:
        with self._lock:
            if len(self._items) > 100_000:
                self._items.clear()
            self._items[token_hash] = (time.monotonic() + self.seconds, principal)


def resolve_token(session: Session, token: str, cache: TokenCache | None = None) -> Principal | None:
    """The principal a token stands for, or None for an unknown or revoked token."""
    h = hash_token(token)
    if cache is not None and (p := cache.get(h)) is not None:
        return p
    row = session.execute(
        select(ApiToken).where(ApiToken.token_hash == h, ApiToken.revoked_at.is_(None))
    ).scalar_one_or_none()
    if row is None:
        return None
    p = Principal(row.role, row.patient_id, row.facility_id, row.doctor_id, row.pharmacy_id, row.hospital_id)
    if cache is not None:
        cache.put(h, p)
    return p
