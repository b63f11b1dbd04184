"""machines over MQTT: a line's counting mode and topics, machine rows, topics and stops

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30 17:30:00.000000

Lines get ``counting`` ('operator' for every existing line: nothing changes for them), their
MQTT topics and ``stop_prompt_minutes``. Output entries get ``source`` ('operator' for every
existing entry) and ``counted`` (true). ``machine_topics`` and ``machine_stops`` are new.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("lines", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "counting",
                sa.String(length=10),
                server_default="operator",
                nullable=False,
                comment="who counts output: operator, machine (over MQTT) or both",
            )
        )
        batch_op.add_column(sa.Column("count_topic", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("state_topic", sa.String(length=200), nullable=True))
        batch_op.add_column(
            sa.Column("stop_prompt_minutes", sa.Integer(), server_default="5", nullable=False)
        )
    with op.batch_alter_table("output_entries", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "source",
                sa.String(length=10),
                server_default="operator",
                nullable=False,
                comment="operator (a report) or machine (one row per line and minute, over MQTT)",
            )
        )
        batch_op.add_column(
            sa.Column(
                "counted",
                sa.Boolean(),
                server_default=sa.text("true"),
                nullable=False,
                comment="false: an operator's count kept beside the machine's (counting = both)",
            )
        )
    op.create_table(
        "machine_topics",
        sa.Column("topic", sa.String(length=200), nullable=False),
        sa.Column("line_id", sa.Integer(), nullable=False),
        sa.Column(
            "last_seq",
            sa.BigInteger(),
            nullable=True,
            comment="the highest increment seq counted: a lower or equal one is a repeat",
        ),
        sa.Column(
            "last_total",
            sa.BigInteger(),
            nullable=True,
            comment="the last absolute good+scrap counter; a lower one is a reset",
        ),
        sa.Column("last_scrap_total", sa.BigInteger(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["line_id"], ["lines.id"], name=op.f("fk_machine_topics_line_id_lines")
        ),
        sa.PrimaryKeyConstraint("topic", name=op.f("pk_machine_topics")),
    )
    op.create_table(
        "machine_stops",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("line_id", sa.Integer(), nullable=False),
        sa.Column("shift_id", sa.Integer(), nullable=True),
        sa.Column("production_date", sa.Date(), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "machine_reason",
            sa.String(length=32),
            nullable=True,
            comment="the reason code the machine sent, if any",
        ),
        sa.Column(
            "reason",
            sa.String(length=32),
            nullable=True,
            comment="the delay reason: the machine's, or the answer to the prompt",
        ),
        sa.Column("answered_by", sa.String(length=32), nullable=True),
        sa.Column(
            "delay_entry_id",
            BIG_ID,
            nullable=True,
            comment="the delay recording the stop's minutes",
        ),
        sa.Column("prompted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["delay_entry_id"],
            ["delay_entries.id"],
            name=op.f("fk_machine_stops_delay_entry_id_delay_entries"),
        ),
        sa.ForeignKeyConstraint(
            ["line_id"], ["lines.id"], name=op.f("fk_machine_stops_line_id_lines")
        ),
        sa.ForeignKeyConstraint(
            ["shift_id"], ["shifts.id"], name=op.f("fk_machine_stops_shift_id_shifts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_machine_stops")),
    )
    op.create_index(
        "ix_machine_stops_line_started", "machine_stops", ["line_id", "started_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_machine_stops_line_started", table_name="machine_stops")
    op.drop_table("machine_stops")
    op.drop_table("machine_topics")
    with op.batch_alter_table("output_entries", schema=None) as batch_op:
        batch_op.drop_column("counted")
        batch_op.drop_column("source")
    with op.batch_alter_table("lines", schema=None) as batch_op:
        batch_op.drop_column("stop_prompt_minutes")
        batch_op.drop_column("state_topic")
        batch_op.drop_column("count_topic")
        batch_op.drop_column("counting")
