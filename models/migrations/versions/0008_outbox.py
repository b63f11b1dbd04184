"""the delivery outbox replaces the post ledger

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 15:00:00.000000

Every sent ledger row becomes an outbox row under the key ``job|scope|period`` that jobs now use, so
nothing a job posted before the upgrade is posted again; what the ledger had not sent is owed
again by its job's next run.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATUSES = ("pending", "sent", "dropped", "expired")


def upgrade() -> None:
    op.create_table(
        "outbox",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column(
            "kind",
            sa.String(length=40),
            nullable=False,
            comment="what it is: a job's name, ping, issue…",
        ),
        sa.Column("channel", sa.String(length=32), nullable=True, comment="channel or user id"),
        sa.Column(
            "ref", sa.String(length=100), nullable=True, comment="what it is about, e.g. issue:42"
        ),
        sa.Column("payload", sa.JSON(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                *STATUSES,
                name="outbox_status",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_by", sa.String(length=64), nullable=True),
        sa.Column("claim_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "message_ts", sa.String(length=32), nullable=True, comment="Slack ts, or a file id"
        ),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint("key", name=op.f("uq_outbox_key")),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index(
            "ix_outbox_owed",
            ["next_attempt_at"],
            unique=False,
            sqlite_where=sa.text("status = 'pending'"),
            postgresql_where=sa.text("status = 'pending'"),
        )

    # Only what was sent: a post the ledger had not sent is owed again, rendered, by the next
    # run of its job (the ledger kept no message to send).
    op.execute(
        sa.text(
            "INSERT INTO outbox (key, kind, channel, status, attempts, created_at, "
            "next_attempt_at, expires_at, sent_at, message_ts) "
            "SELECT job || '|' || scope || '|' || period, job, channel_id, 'sent', attempts, "
            "sent_at, sent_at, sent_at, sent_at, message_ts "
            "FROM post_ledger WHERE sent_at IS NOT NULL"
        )
    )
    op.drop_table("post_ledger")


def downgrade() -> None:
    op.create_table(
        "post_ledger",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job", sa.String(length=40), nullable=False),
        sa.Column("scope", sa.String(length=100), nullable=False),
        sa.Column("period", sa.String(length=60), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("channel_id", sa.String(length=32), nullable=True),
        sa.Column("message_ts", sa.String(length=32), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_post_ledger")),
        sa.UniqueConstraint("job", "scope", "period", name="uq_post_ledger_key"),
    )
    op.drop_table("outbox")
