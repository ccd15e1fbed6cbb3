"""Slots keep when they were published: the contract's slot_published.occurred_at, which the rules on a
booking's reference to its slot compare with (a slot is booked within the reference window after it was
published). Slots stored before this revision were published no later than it runs: they get its time
(Moscow local, as the service's clock reads it without a demo shift), so they stay bookable.

Revision ID: 0002
Revises: 0001
"""

import datetime as dt

import sqlalchemy as sa
from alembic import op

MOSCOW_OFFSET = dt.timedelta(hours=3)  # frozen here, as a migration must be

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("slots", schema=None) as batch_op:
        batch_op.add_column(sa.Column("published_at", sa.DateTime(), nullable=True))
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None) + MOSCOW_OFFSET
    op.execute(sa.text("update slots set published_at = :now where published_at is null").bindparams(now=now))


def downgrade() -> None:
    with op.batch_alter_table("slots", schema=None) as batch_op:
        batch_op.drop_column("published_at")
