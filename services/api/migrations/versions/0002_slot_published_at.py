"""Slots keep when they were published: the contract's slot_published.occurred_at, which the rules on a
booking's reference to its slot compare with (a slot is booked within the reference window after it was
published). Null for slots stored before this revision: seed again to fill them.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("slots", schema=None) as batch_op:
        batch_op.add_column(sa.Column("published_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("slots", schema=None) as batch_op:
        batch_op.drop_column("published_at")
