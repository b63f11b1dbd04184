"""Floor screen tokens: who may open a site's floor screen (``/screen/<site>``).

Only the SHA-256 of a token is kept; the token itself is shown once, when it is made, inside
the screen's URL. ``token_prefix`` (its first characters) lets an admin tell tokens apart and
revoke one without the whole token. A revoked token stays, with ``revoked_at`` set.
"""

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from models.tables import Base


class ScreenToken(Base):
    __tablename__ = "screen_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    token_hash: Mapped[str] = mapped_column(
        String(64), unique=True, comment="sha256 hex of the token; the token is never stored"
    )
    token_prefix: Mapped[str] = mapped_column(
        String(8), comment="the token's first characters, to tell tokens apart"
    )
    label: Mapped[str | None] = mapped_column(String(100), comment="where the screen hangs")
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
