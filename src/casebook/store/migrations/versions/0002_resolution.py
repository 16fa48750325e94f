"""resolution: identity decisions, event merges, person name keys

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-08 09:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _fk(column: str, table: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column],
        [f"{target}.id"],
        name=op.f(f"fk_{table}_{column}_{target}"),
        initially="DEFERRED",
        deferrable=True,
    )


def upgrade() -> None:
    op.create_table(
        "identity_links",
        sa.Column("id", sa.String(length=24), nullable=False),
        sa.Column("mention_id", sa.String(length=24), nullable=False),
        sa.Column("person_id", sa.String(length=24), nullable=True),
        sa.Column("organisation_id", sa.String(length=24), nullable=True),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("level", sa.String(length=48), nullable=False),
        sa.Column("reasons", sa.Text(), nullable=False),
        sa.Column("decision", sa.String(length=12), nullable=False),
        sa.Column("decided_by", sa.String(length=128), nullable=False),
        sa.Column("resolver", sa.String(length=96), nullable=False),
        sa.CheckConstraint(
            "decision in ('auto', 'queued', 'new', 'accepted', 'rejected')",
            name=op.f("ck_identity_links_decision"),
        ),
        sa.CheckConstraint(
            "(person_id IS NULL) <> (organisation_id IS NULL)",
            name=op.f("ck_identity_links_person_or_organisation"),
        ),
        _fk("mention_id", "identity_links", "mentions"),
        _fk("organisation_id", "identity_links", "organisations"),
        _fk("person_id", "identity_links", "persons"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_links")),
    )
    with op.batch_alter_table("identity_links", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_identity_links_mention_id"), ["mention_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_identity_links_person_id"), ["person_id"], unique=False
        )

    op.create_table(
        "event_merges",
        sa.Column("id", sa.String(length=24), nullable=False),
        sa.Column("merged_event_id", sa.String(length=24), nullable=False),
        sa.Column("into_event_id", sa.String(length=24), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("reasons", sa.Text(), nullable=False),
        sa.Column("moved", sa.Text(), nullable=False),
        sa.Column("decision", sa.String(length=12), nullable=False),
        sa.Column("decided_by", sa.String(length=128), nullable=False),
        sa.Column("resolver", sa.String(length=96), nullable=False),
        sa.CheckConstraint(
            "decision in ('auto', 'accepted', 'rejected')", name=op.f("ck_event_merges_decision")
        ),
        _fk("into_event_id", "event_merges", "events"),
        _fk("merged_event_id", "event_merges", "events"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_merges")),
    )
    with op.batch_alter_table("event_merges", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_event_merges_into_event_id"), ["into_event_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_event_merges_merged_event_id"), ["merged_event_id"], unique=False
        )

    op.create_table(
        "person_name_keys",
        sa.Column("key", sa.String(length=160), nullable=False),
        sa.Column("alias_id", sa.String(length=24), nullable=False),
        sa.Column("person_id", sa.String(length=24), nullable=False),
        sa.ForeignKeyConstraint(
            ["alias_id"],
            ["person_aliases.id"],
            name=op.f("fk_person_name_keys_alias_id_person_aliases"),
            initially="DEFERRED",
            deferrable=True,
        ),
        _fk("person_id", "person_name_keys", "persons"),
        sa.PrimaryKeyConstraint("key", "alias_id", name=op.f("pk_person_name_keys")),
    )
    with op.batch_alter_table("person_name_keys", schema=None) as batch_op:
        batch_op.create_index("ix_person_name_keys_alias_id", ["alias_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_person_name_keys_person_id"), ["person_id"], unique=False
        )


def downgrade() -> None:
    op.drop_table("person_name_keys")
    op.drop_table("event_merges")
    op.drop_table("identity_links")
