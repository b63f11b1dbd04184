"""the site's currency

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 16:00:00.000000

``sites.currency`` holds the plant file's ``[site] currency``, an ISO 4217 code; NULL (every
existing site) shows money as a bare amount, as before.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SITE_CURRENCY = "ISO 4217 code money is shown in; NULL: a bare amount"


def upgrade() -> None:
    with op.batch_alter_table("sites", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("currency", sa.String(length=3), nullable=True, comment=SITE_CURRENCY)
        )


def downgrade() -> None:
    with op.batch_alter_table("sites", schema=None) as batch_op:
        batch_op.drop_column("currency")
