"""field sensitivity: one field of a record graded apart from the record

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 15:05:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "field_sensitivity",
        sa.Column("entity", sa.String(length=16), nullable=False),
        sa.Column("record_id", sa.String(length=24), nullable=False),
        sa.Column("field", sa.String(length=24), nullable=False),
        sa.Column("sensitivity", sa.String(length=16), nullable=False),
        sa.CheckConstraint(
            "sensitivity in ('public', 'internal', 'restricted')",
            name=op.f("ck_field_sensitivity_sensitivity"),
        ),
        sa.PrimaryKeyConstraint("entity", "record_id", "field", name=op.f("pk_field_sensitivity")),
    )


def downgrade() -> None:
    op.drop_table("field_sensitivity")
