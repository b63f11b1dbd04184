"""the loss model: scrap reasons, loss categories, a monthly loss budget, near misses

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 17:00:00.000000

Existing sites get the default scrap reasons and loss categories (as a plant load without the new
keys would give them) until their plant file is next loaded; existing output entries keep a NULL
scrap reason, which counts as ``other``. Issues may be near misses. Issue events are indexed by
time for the morning review's "since the last digest".
"""

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DEFAULT_SCRAP_REASONS = ["startup", "defect", "damage", "other"]
DEFAULT_LOSS_CATEGORIES = {
    "breakdown": "breakdowns",
    "changeover": "setup",
    "minor-stop": "small-stops",
}
CATEGORIES_BEFORE = ("safety", "quality", "equipment", "material", "people", "other")
CATEGORIES_AFTER = ("safety", "near-miss", "quality", "equipment", "material", "people", "other")


def upgrade() -> None:
    with op.batch_alter_table("sites", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("scrap_reasons", sa.JSON(), nullable=True, comment=SCRAP_REASONS)
        )
        batch_op.add_column(
            sa.Column("loss_categories", sa.JSON(), nullable=True, comment=LOSS_CATEGORIES)
        )
        batch_op.add_column(
            sa.Column(
                "monthly_loss_budget",
                sa.Numeric(precision=14, scale=2),
                nullable=True,
                comment=BUDGET,
            )
        )
    sites = sa.table(
        "sites",
        sa.column("id", sa.Integer),
        sa.column("delay_reasons", sa.JSON),
        sa.column("scrap_reasons", sa.JSON),
        sa.column("loss_categories", sa.JSON),
    )
    connection = op.get_bind()
    for site_id, delay_reasons in connection.execute(sa.select(sites.c.id, sites.c.delay_reasons)):
        reasons = delay_reasons if isinstance(delay_reasons, list) else json.loads(delay_reasons)
        connection.execute(
            sites.update()
            .where(sites.c.id == site_id)
            .values(
                scrap_reasons=DEFAULT_SCRAP_REASONS,
                loss_categories={
                    reason: DEFAULT_LOSS_CATEGORIES.get(reason, "other-stops") for reason in reasons
                },
            )
        )
    with op.batch_alter_table("sites", schema=None) as batch_op:
        batch_op.alter_column(
            "scrap_reasons", existing_type=sa.JSON(), nullable=False, existing_comment=SCRAP_REASONS
        )
        batch_op.alter_column(
            "loss_categories",
            existing_type=sa.JSON(),
            nullable=False,
            existing_comment=LOSS_CATEGORIES,
        )
    with op.batch_alter_table("output_entries", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("scrap_reason", sa.String(length=32), nullable=True, comment=SCRAP_REASON)
        )
    _allow_categories(CATEGORIES_AFTER)
    op.create_index("ix_issue_events_at", "issue_events", ["at"])


def downgrade() -> None:
    op.drop_index("ix_issue_events_at", table_name="issue_events")
    op.execute(sa.text("UPDATE issues SET category = 'safety' WHERE category = 'near-miss'"))
    _allow_categories(CATEGORIES_BEFORE)
    with op.batch_alter_table("output_entries", schema=None) as batch_op:
        batch_op.drop_column("scrap_reason")
    with op.batch_alter_table("sites", schema=None) as batch_op:
        batch_op.drop_column("monthly_loss_budget")
        batch_op.drop_column("loss_categories")
        batch_op.drop_column("scrap_reasons")


SCRAP_REASONS = "the reasons /output may give scrap; 'startup' is startup scrap"
LOSS_CATEGORIES = "delay reason -> loss category, every reason of the site present"
BUDGET = "cost of losses the site may spend a month; NULL: no budget"
SCRAP_REASON = "one of the site's scrap reasons; NULL counts as other"


def _allow_categories(categories: Sequence[str]) -> None:
    """Replace the CHECK constraint on ``issues.category`` (SQLite rebuilds the table)."""
    allowed = ", ".join(f"'{category}'" for category in categories)
    with op.batch_alter_table("issues", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_issues_issue_category"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_issues_issue_category"), sa.text(f"category IN ({allowed})")
        )
