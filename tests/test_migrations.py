from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine

from models import Base


def test_models_and_migrations_agree(engine: Engine) -> None:
    """Autogenerate against the migrated database finds nothing left to migrate."""
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []
