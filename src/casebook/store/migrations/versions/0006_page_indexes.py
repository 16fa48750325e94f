"""page indexes: the orders the web lists and the review queue read in

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 17:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

DATED, UNDATED = sa.text("(date IS NOT NULL)"), sa.text("(date IS NULL)")


def upgrade() -> None:
    op.create_index("ix_events_listed", "events", [DATED, "date", "id"])
    op.create_index("ix_events_type_listed", "events", ["type", DATED, "date", "id"])
    op.create_index("ix_events_status_queue", "events", ["status", UNDATED, "date", "id"])
    op.create_index("ix_event_evidence_evidence_id", "event_evidence", ["evidence_id"])
    op.create_index(
        "ix_event_participants_organisation_id", "event_participants", ["organisation_id"]
    )
    op.create_index("ix_persons_name", "persons", ["name", "id"])
    op.create_index("ix_organisations_name", "organisations", ["name", "id"])
    op.create_index("ix_identity_links_decision", "identity_links", ["decision", "id"])
    op.drop_index("ix_sources_published_at", "sources")
    op.create_index("ix_sources_listed", "sources", ["published_at", "seq"])


def downgrade() -> None:
    op.drop_index("ix_sources_listed", "sources")
    op.create_index("ix_sources_published_at", "sources", ["published_at"])
    for table, name in (
        ("identity_links", "ix_identity_links_decision"),
        ("organisations", "ix_organisations_name"),
        ("persons", "ix_persons_name"),
        ("event_participants", "ix_event_participants_organisation_id"),
        ("event_evidence", "ix_event_evidence_evidence_id"),
        ("events", "ix_events_status_queue"),
        ("events", "ix_events_type_listed"),
        ("events", "ix_events_listed"),
    ):
        op.drop_index(name, table)
