"""Hospitals (issue 14): hospitals and their dated departments (reference data from the simulated city),
stays with their transfers and follow-up bookings, the hospital staff's tokens (bound to a hospital) and the
stay a referral led to.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

# Frozen here, as a migration must be (see 0001 and services.api.models).
API_ID_BASE = 1 << 62
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
MINTED_TABLES = ("stays", "stay_transfers", "stay_follow_ups")

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _minted(name: str) -> sa.Column:
    return sa.Column(name, BIG_ID, sa.Identity(start=API_ID_BASE + 1), nullable=False)


def upgrade() -> None:
    op.create_table(
        "hospitals",
        sa.Column("hospital_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("okrug_id", sa.String(length=10), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("hospital_id"),
    )
    op.create_table(
        "hospital_departments",
        sa.Column("department_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("hospital_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("bed_profile", sa.String(length=40), nullable=False),
        sa.Column("beds", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["hospital_id"], ["hospitals.hospital_id"]),
        sa.PrimaryKeyConstraint("department_id", "valid_from"),
    )
    op.create_index("ix_hospital_departments_hospital_id", "hospital_departments", ["hospital_id"])
    op.create_table(
        "stays",
        _minted("stay_id"),
        sa.Column("patient_id", sa.String(length=16), nullable=False),
        sa.Column("hospital_id", sa.Integer(), nullable=False),
        sa.Column("admitted_department_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("admission_type", sa.String(length=12), nullable=False),
        sa.Column("admission_source", sa.String(length=20), nullable=False),
        sa.Column("referral_id", sa.BigInteger(), nullable=True),
        sa.Column("primary_icd10", sa.String(length=8), nullable=False),
        sa.Column("attached_facility_id", sa.Integer(), nullable=True),
        sa.Column("admitted_at", sa.DateTime(), nullable=False),
        sa.Column("discharged_at", sa.DateTime(), nullable=True),
        sa.Column("discharge_outcome", sa.String(length=20), nullable=True),
        sa.Column("discharge_icd10", sa.String(length=8), nullable=True),
        sa.Column("discharge_secondary_icd10", sa.String(length=8), nullable=True),
        sa.Column("discharge_event_id", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(["patient_id"], ["patients.patient_id"]),
        sa.ForeignKeyConstraint(["hospital_id"], ["hospitals.hospital_id"]),
        sa.PrimaryKeyConstraint("stay_id"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_stays_patient_id", "stays", ["patient_id"])
    op.create_index("ix_stays_hospital_in", "stays", ["hospital_id", "discharged_at"])
    op.create_table(
        "stay_transfers",
        _minted("transfer_id"),
        sa.Column("stay_id", BIG_ID, nullable=False),
        sa.Column("from_department_id", sa.Integer(), nullable=False),
        sa.Column("to_department_id", sa.Integer(), nullable=False),
        sa.Column("transferred_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["stay_id"], ["stays.stay_id"]),
        sa.PrimaryKeyConstraint("transfer_id"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_stay_transfers_stay_id", "stay_transfers", ["stay_id"])
    op.create_table(
        "stay_follow_ups",
        _minted("follow_up_id"),
        sa.Column("stay_id", BIG_ID, nullable=False),
        sa.Column("appointment_id", BIG_ID, nullable=False),
        sa.Column("booked_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["stay_id"], ["stays.stay_id"]),
        sa.ForeignKeyConstraint(["appointment_id"], ["appointments.appointment_id"]),
        sa.PrimaryKeyConstraint("follow_up_id"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_stay_follow_ups_stay_id", "stay_follow_ups", ["stay_id"])
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.add_column(sa.Column("hospital_id", sa.Integer(), nullable=True))
    with op.batch_alter_table("referrals", schema=None) as batch_op:
        batch_op.add_column(sa.Column("admitted_stay_id", sa.BigInteger(), nullable=True))
    if op.get_bind().dialect.name == "sqlite":
        # as in 0001: SQLite's AUTOINCREMENT continues from API_ID_BASE
        for name in MINTED_TABLES:
            op.execute(
                sa.text("insert into sqlite_sequence (name, seq) values (:n, :s)").bindparams(
                    n=name, s=API_ID_BASE
                )
            )


def downgrade() -> None:
    with op.batch_alter_table("referrals", schema=None) as batch_op:
        batch_op.drop_column("admitted_stay_id")
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_column("hospital_id")
    for name in ("stay_follow_ups", "stay_transfers", "stays", "hospital_departments", "hospitals"):
        if op.get_bind().dialect.name == "sqlite":
            op.execute(sa.text("delete from sqlite_sequence where name = :n").bindparams(n=name))
        op.drop_table(name)
