"""plant group indexes: unresolved issues, and the production date alone for exports

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30 20:15:00.000000

Measured on the 20-site, 2-year plant group (``benchmarks/plant_group.py``):

- ``ix_issues_unresolved``: the issues not yet resolved, per line, partial on the two statuses
  (``bot.numbers.issues.unresolved`` writes them into the SQL as literals so the planner can
  use it). Escalations, the issue ages and the morning review read only these few hundred rows
  of a table that keeps every issue ever raised.
- ``ix_output_entries_date``, ``ix_delay_entries_date``, ``ix_issues_date``: ``prodbot export``
  of every site reads a range of production dates with no line to start from, in date order;
  the (line, date) indexes cannot serve it, so it read the whole table.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UNRESOLVED = "status IN ('open', 'acknowledged')"
DATE_INDEXES = {
    "output_entries": "ix_output_entries_date",
    "delay_entries": "ix_delay_entries_date",
    "issues": "ix_issues_date",
}


def upgrade() -> None:
    for table, index in DATE_INDEXES.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(index, ["production_date"], unique=False)
    with op.batch_alter_table("issues", schema=None) as batch_op:
        batch_op.create_index(
            "ix_issues_unresolved",
            ["line_id"],
            unique=False,
            sqlite_where=sa.text(UNRESOLVED),
            postgresql_where=sa.text(UNRESOLVED),
        )


def downgrade() -> None:
    with op.batch_alter_table("issues", schema=None) as batch_op:
        batch_op.drop_index("ix_issues_unresolved")
    for table, index in DATE_INDEXES.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(index)
