"""when sites and lines went live

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 15:00:00.000000

``live_since`` is backfilled from the audit record of the plant load that created the site or
line, where there is one; without one it stays NULL, which means live since forever, so an
install whose history predates the audit trail behaves as before.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SITE_LIVE_SINCE = "the plant load that created the site; NULL: live since before it was recorded"
SITE_LIVE_FROM = "the plant file's live_from: live from local midnight of this date"
LINE_LIVE_SINCE = "the plant load that added the line (a re-activated line keeps it)"


def upgrade() -> None:
    with op.batch_alter_table("sites", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "live_since", sa.DateTime(timezone=True), nullable=True, comment=SITE_LIVE_SINCE
            )
        )
        batch_op.add_column(
            sa.Column("live_from", sa.Date(), nullable=True, comment=SITE_LIVE_FROM)
        )
    with op.batch_alter_table("lines", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "live_since", sa.DateTime(timezone=True), nullable=True, comment=LINE_LIVE_SINCE
            )
        )
    for table, entity in (("sites", "site"), ("lines", "line")):
        op.execute(
            sa.text(
                f"UPDATE {table} SET live_since = ("
                "SELECT MIN(audit_trail.at) FROM audit_trail"
                " WHERE audit_trail.entity = :entity AND audit_trail.action = 'create'"
                f" AND audit_trail.entity_id = {table}.id)"
            ).bindparams(entity=entity)
        )


def downgrade() -> None:
    with op.batch_alter_table("lines", schema=None) as batch_op:
        batch_op.drop_column("live_since")
    with op.batch_alter_table("sites", schema=None) as batch_op:
        batch_op.drop_column("live_from")
        batch_op.drop_column("live_since")
