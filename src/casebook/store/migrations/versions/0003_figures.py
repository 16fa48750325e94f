"""figures: count facts derived per counting rule, and the record state they were built from

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 13:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "count_facts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rule", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("item", sa.String(length=64), nullable=False),
        sa.Column("start", sa.Date(), nullable=False),
        sa.Column("end", sa.Date(), nullable=True),
        sa.Column("weight", sa.Integer(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=True),
        sa.Column("law", sa.String(length=64), nullable=True),
        sa.Column("offence", sa.String(length=64), nullable=True),
        sa.Column("age", sa.String(length=8), nullable=True),
        sa.Column("events", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_count_facts")),
    )
    op.create_index(
        "ix_count_facts_rule_kind_start",
        "count_facts",
        ["rule", "kind", "start"],
        unique=False,
    )
    op.create_table(
        "count_steps",
        sa.Column("rule", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("items", sa.Integer(), nullable=False),
        sa.Column("weight", sa.Integer(), nullable=False),
        sa.Column("largest", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("rule", "kind", "day", name=op.f("pk_count_steps")),
    )
    op.create_table(
        "count_state",
        sa.Column("rule", sa.String(length=64), nullable=False),
        sa.Column("audit_seq", sa.Integer(), nullable=False),
        sa.Column("audit_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("rule", name=op.f("pk_count_state")),
    )


def downgrade() -> None:
    op.drop_table("count_state")
    op.drop_table("count_steps")
    op.drop_index("ix_count_facts_rule_kind_start", table_name="count_facts")
    op.drop_table("count_facts")
