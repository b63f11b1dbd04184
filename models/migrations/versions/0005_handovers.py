"""handovers

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-21 14:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "handovers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("line_id", sa.Integer(), nullable=False),
        sa.Column("shift_id", sa.Integer(), nullable=False),
        sa.Column("production_date", sa.Date(), nullable=False),
        sa.Column("next_shift_id", sa.Integer(), nullable=False),
        sa.Column("next_production_date", sa.Date(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("issue_ids", sa.JSON(), nullable=False, comment="issues open at hand-over time"),
        sa.Column("written_by", sa.String(length=32), nullable=False),
        sa.Column("written_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "request_key",
            sa.String(length=100),
            nullable=False,
            comment="Slack trigger_id: a redelivered request writes once",
        ),
        sa.Column("channel_id", sa.String(length=32), nullable=True),
        sa.Column("message_ts", sa.String(length=32), nullable=True),
        sa.Column("acknowledged_by", sa.String(length=32), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["line_id"], ["lines.id"], name=op.f("fk_handovers_line_id_lines")),
        sa.ForeignKeyConstraint(
            ["next_shift_id"], ["shifts.id"], name=op.f("fk_handovers_next_shift_id_shifts")
        ),
        sa.ForeignKeyConstraint(
            ["shift_id"], ["shifts.id"], name=op.f("fk_handovers_shift_id_shifts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handovers")),
        sa.UniqueConstraint("request_key", name=op.f("uq_handovers_request_key")),
    )
    op.create_index(
        "ix_handovers_next_instance",
        "handovers",
        ["line_id", "next_shift_id", "next_production_date"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_handovers_next_instance", table_name="handovers")
    op.drop_table("handovers")
