"""operators and a site's Slack workspace

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 14:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROLES_BEFORE = ("lead", "manager", "head")
ROLES_AFTER = ("lead", "operator", "manager", "head")


def upgrade() -> None:
    with op.batch_alter_table("sites", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "slack_team",
                sa.String(length=32),
                nullable=True,
                comment="the Slack workspace (team id) whose people may act on this site",
            )
        )
    _allow_roles(ROLES_AFTER)


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM role_assignments WHERE role = 'operator'"))
    _allow_roles(ROLES_BEFORE)
    with op.batch_alter_table("sites", schema=None) as batch_op:
        batch_op.drop_column("slack_team")


def _allow_roles(roles: Sequence[str]) -> None:
    """Replace the CHECK constraint on ``role_assignments.role`` (SQLite rebuilds the table)."""
    allowed = ", ".join(f"'{role}'" for role in roles)
    with op.batch_alter_table("role_assignments", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_role_assignments_role"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_role_assignments_role"), sa.text(f"role IN ({allowed})")
        )
