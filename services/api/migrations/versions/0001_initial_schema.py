"""Initial schema: directory, patients, slots, appointments, records, prescriptions, tokens, outbox.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

# Ids the API mints start above 2**62 (see services.api.models); frozen here, as a migration must be.
API_ID_BASE = 1 << 62
# SQLite only autoincrements an INTEGER PRIMARY KEY, never a BIGINT one.
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
MINTED_TABLES = ("slots", "appointments", "encounters", "diagnoses", "prescriptions", "referrals")

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "api_tokens",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=12), nullable=False),
        sa.Column("patient_id", sa.String(length=16), nullable=True),
        sa.Column("facility_id", sa.Integer(), nullable=True),
        sa.Column("doctor_id", sa.Integer(), nullable=True),
        sa.Column("pharmacy_id", sa.Integer(), nullable=True),
        sa.Column("label", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("token_hash"),
    )
    op.create_table(
        "facilities",
        sa.Column("facility_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("parent_facility_id", sa.Integer(), nullable=True),
        sa.Column("okrug_id", sa.String(length=10), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("facility_id"),
    )
    op.create_table(
        "outbox",
        sa.Column("seq", BIG_ID, sa.Identity(always=False, start=1), nullable=False),
        sa.Column("table_name", sa.String(length=40), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("seq"),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "patients",
        sa.Column("patient_id", sa.String(length=16), nullable=False),
        sa.Column("oms_policy", sa.String(length=32), nullable=True),
        sa.Column("full_name", sa.String(length=300), nullable=True),
        sa.Column("sex", sa.String(length=1), nullable=False),
        sa.Column("birth_month", sa.Date(), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column("attached_facility_id", sa.Integer(), nullable=True),
        sa.Column("insurance", sa.String(length=10), nullable=False),
        sa.Column("death_date", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("patient_id"),
        sa.UniqueConstraint("oms_policy"),
    )
    op.create_table(
        "specialties",
        sa.Column("specialty_id", sa.String(length=60), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=False),
        sa.Column("name_ru", sa.String(length=200), nullable=False),
        sa.Column("minutes_norm", sa.Integer(), nullable=False),
        sa.Column("wait_standard", sa.Integer(), nullable=False),
        sa.Column("wait_standard_unit", sa.String(length=20), nullable=False),
        sa.Column("is_primary_care", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("specialty_id"),
    )
    op.create_table(
        "doctors",
        sa.Column("doctor_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("facility_id", sa.Integer(), nullable=False),
        sa.Column("specialty_id", sa.String(length=60), nullable=False),
        sa.Column("rate", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["facility_id"],
            ["facilities.facility_id"],
        ),
        sa.ForeignKeyConstraint(
            ["specialty_id"],
            ["specialties.specialty_id"],
        ),
        sa.PrimaryKeyConstraint("doctor_id"),
    )
    with op.batch_alter_table("doctors", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_doctors_facility_id"), ["facility_id"], unique=False)

    op.create_table(
        "encounters",
        sa.Column("encounter_id", BIG_ID, sa.Identity(start=API_ID_BASE + 1), nullable=False),
        sa.Column("appointment_id", sa.BigInteger(), nullable=True),
        sa.Column("patient_id", sa.String(length=16), nullable=False),
        sa.Column("doctor_id", sa.Integer(), nullable=False),
        sa.Column("facility_id", sa.Integer(), nullable=False),
        sa.Column("specialty_id", sa.String(length=60), nullable=False),
        sa.Column("visit_type", sa.String(length=20), nullable=False),
        sa.Column("funding_source", sa.String(length=10), nullable=False),
        sa.Column("is_walk_in", sa.Boolean(), nullable=False),
        sa.Column("opened_at", sa.DateTime(), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("minutes", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["doctor_id"],
            ["doctors.doctor_id"],
        ),
        sa.ForeignKeyConstraint(
            ["facility_id"],
            ["facilities.facility_id"],
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.patient_id"],
        ),
        sa.PrimaryKeyConstraint("encounter_id"),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("encounters", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_encounters_patient_id"), ["patient_id"], unique=False)

    op.create_table(
        "slots",
        sa.Column("slot_id", BIG_ID, sa.Identity(start=API_ID_BASE + 1), nullable=False),
        sa.Column("doctor_id", sa.Integer(), nullable=False),
        sa.Column("facility_id", sa.Integer(), nullable=False),
        sa.Column("specialty_id", sa.String(length=60), nullable=False),
        sa.Column("starts_at", sa.DateTime(), nullable=False),
        sa.Column("duration_min", sa.Integer(), nullable=False),
        sa.Column("is_urgent_reserve", sa.Boolean(), nullable=False),
        sa.Column("is_booked", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["doctor_id"],
            ["doctors.doctor_id"],
        ),
        sa.ForeignKeyConstraint(
            ["facility_id"],
            ["facilities.facility_id"],
        ),
        sa.ForeignKeyConstraint(
            ["specialty_id"],
            ["specialties.specialty_id"],
        ),
        sa.PrimaryKeyConstraint("slot_id"),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("slots", schema=None) as batch_op:
        batch_op.create_index("ix_slots_doctor_start", ["doctor_id", "starts_at"], unique=False)
        batch_op.create_index("ix_slots_facility_start", ["facility_id", "starts_at"], unique=False)
        batch_op.create_index("ix_slots_specialty_start", ["specialty_id", "starts_at"], unique=False)

    op.create_table(
        "appointments",
        sa.Column("appointment_id", BIG_ID, sa.Identity(start=API_ID_BASE + 1), nullable=False),
        sa.Column("slot_id", BIG_ID, nullable=False),
        sa.Column("patient_id", sa.String(length=16), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("referral_id", sa.BigInteger(), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("booked_at", sa.DateTime(), nullable=False),
        sa.Column("changed_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.patient_id"],
        ),
        sa.ForeignKeyConstraint(
            ["slot_id"],
            ["slots.slot_id"],
        ),
        sa.PrimaryKeyConstraint("appointment_id"),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("appointments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_appointments_patient_id"), ["patient_id"], unique=False)
        batch_op.create_index(
            "ux_appointments_active_slot",
            ["slot_id"],
            unique=True,
            sqlite_where=sa.text("status <> 'cancelled'"),
            postgresql_where=sa.text("status <> 'cancelled'"),
        )

    op.create_table(
        "diagnoses",
        sa.Column("diagnosis_id", BIG_ID, sa.Identity(start=API_ID_BASE + 1), nullable=False),
        sa.Column("encounter_id", BIG_ID, nullable=False),
        sa.Column("patient_id", sa.String(length=16), nullable=False),
        sa.Column("icd10_code", sa.String(length=8), nullable=False),
        sa.Column("is_primary", sa.Boolean(), nullable=False),
        sa.Column("diagnosis_kind", sa.String(length=12), nullable=False),
        sa.Column("dispensary_action", sa.String(length=8), nullable=True),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["encounter_id"],
            ["encounters.encounter_id"],
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.patient_id"],
        ),
        sa.PrimaryKeyConstraint("diagnosis_id"),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("diagnoses", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_diagnoses_encounter_id"), ["encounter_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_diagnoses_patient_id"), ["patient_id"], unique=False)

    op.create_table(
        "prescriptions",
        sa.Column("prescription_id", BIG_ID, sa.Identity(start=API_ID_BASE + 1), nullable=False),
        sa.Column("encounter_id", BIG_ID, nullable=False),
        sa.Column("patient_id", sa.String(length=16), nullable=False),
        sa.Column("doctor_id", sa.Integer(), nullable=False),
        sa.Column("atc_code", sa.String(length=7), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("days_supply", sa.Integer(), nullable=False),
        sa.Column("benefit_category", sa.String(length=20), nullable=False),
        sa.Column("issued_at", sa.DateTime(), nullable=False),
        sa.Column("dispensed_at", sa.DateTime(), nullable=True),
        sa.Column("pharmacy_id", sa.Integer(), nullable=True),
        sa.Column("dispensed_quantity", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["doctor_id"],
            ["doctors.doctor_id"],
        ),
        sa.ForeignKeyConstraint(
            ["encounter_id"],
            ["encounters.encounter_id"],
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.patient_id"],
        ),
        sa.PrimaryKeyConstraint("prescription_id"),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("prescriptions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_prescriptions_patient_id"), ["patient_id"], unique=False)

    op.create_table(
        "referrals",
        sa.Column("referral_id", BIG_ID, sa.Identity(start=API_ID_BASE + 1), nullable=False),
        sa.Column("encounter_id", BIG_ID, nullable=False),
        sa.Column("patient_id", sa.String(length=16), nullable=False),
        sa.Column("to_specialty_id", sa.String(length=60), nullable=False),
        sa.Column("issued_at", sa.DateTime(), nullable=False),
        sa.Column("used_by_appointment_id", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["encounter_id"],
            ["encounters.encounter_id"],
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.patient_id"],
        ),
        sa.ForeignKeyConstraint(
            ["to_specialty_id"],
            ["specialties.specialty_id"],
        ),
        sa.PrimaryKeyConstraint("referral_id"),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("referrals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_referrals_patient_id"), ["patient_id"], unique=False)

    if op.get_bind().dialect.name == "sqlite":
        # PostgreSQL starts the identities at API_ID_BASE + 1; SQLite's AUTOINCREMENT continues from here.
        for name in MINTED_TABLES:
            op.execute(
                sa.text("insert into sqlite_sequence (name, seq) values (:n, :s)").bindparams(
                    n=name, s=API_ID_BASE
                )
            )


def downgrade() -> None:
    with op.batch_alter_table("referrals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_referrals_patient_id"))

    op.drop_table("referrals")
    with op.batch_alter_table("prescriptions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_prescriptions_patient_id"))

    op.drop_table("prescriptions")
    with op.batch_alter_table("diagnoses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_diagnoses_patient_id"))
        batch_op.drop_index(batch_op.f("ix_diagnoses_encounter_id"))

    op.drop_table("diagnoses")
    with op.batch_alter_table("appointments", schema=None) as batch_op:
        batch_op.drop_index(
            "ux_appointments_active_slot",
            sqlite_where=sa.text("status <> 'cancelled'"),
            postgresql_where=sa.text("status <> 'cancelled'"),
        )
        batch_op.drop_index(batch_op.f("ix_appointments_patient_id"))

    op.drop_table("appointments")
    with op.batch_alter_table("slots", schema=None) as batch_op:
        batch_op.drop_index("ix_slots_specialty_start")
        batch_op.drop_index("ix_slots_facility_start")
        batch_op.drop_index("ix_slots_doctor_start")

    op.drop_table("slots")
    with op.batch_alter_table("encounters", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_encounters_patient_id"))

    op.drop_table("encounters")
    with op.batch_alter_table("doctors", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_doctors_facility_id"))

    op.drop_table("doctors")
    op.drop_table("specialties")
    op.drop_table("patients")
    op.drop_table("outbox")
    op.drop_table("facilities")
    op.drop_table("api_tokens")
