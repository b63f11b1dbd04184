"""64-bit ids for the tables that grow with every report

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30 17:20:00.000000

Entries, delays, issue events and the audit trail (its ``entity_id`` too) get BIGINT ids on
PostgreSQL, their sequences as well: a plant group of twenty sites writes millions of rows a day,
and a 32-bit id runs out within a couple of years. On a large table the type change rewrites it
under an exclusive lock: run it in a maintenance window (docs/operations.md, "Upgrading").
SQLite's INTEGER PRIMARY KEY is 64-bit already: nothing changes there.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, column, sequence of the column or None)
COLUMNS = (
    ("output_entries", "id", "output_entries_id_seq"),
    ("delay_entries", "id", "delay_entries_id_seq"),
    ("issue_events", "id", "issue_events_id_seq"),
    ("audit_trail", "id", "audit_trail_id_seq"),
    ("audit_trail", "entity_id", None),
)


def upgrade() -> None:
    _retype(sa.BigInteger(), "bigint")


def downgrade() -> None:
    _retype(sa.Integer(), "integer")


def _retype(column_type: sa.types.TypeEngine[int], sequence_type: str) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, column, sequence in COLUMNS:
        op.alter_column(table, column, type_=column_type, existing_nullable=False)
        if sequence is not None:
            op.execute(sa.text(f"ALTER SEQUENCE {sequence} AS {sequence_type}"))
