"""floor screen tokens

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30 18:00:00.000000

A site's floor screen (``/screen/<site>``) opens only with one of its tokens; only their
SHA-256 is stored.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "screen_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column(
            "token_hash",
            sa.String(length=64),
            nullable=False,
            comment="sha256 hex of the token; the token is never stored",
        ),
        sa.Column(
            "token_prefix",
            sa.String(length=8),
            nullable=False,
            comment="the token's first characters, to tell tokens apart",
        ),
        sa.Column("label", sa.String(length=100), nullable=True, comment="where the screen hangs"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_screen_tokens_site_id_sites")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_screen_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_screen_tokens_token_hash")),
    )
    with op.batch_alter_table("screen_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_screen_tokens_site_id"), ["site_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("screen_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_screen_tokens_site_id"))
    op.drop_table("screen_tokens")
