"""Create or drop a PostgreSQL database, so each CI run starts from an empty one."""

import sys

from sqlalchemy import create_engine

action, server, name = sys.argv[1:4]
engine = create_engine(
    f"{server.replace('postgresql://', 'postgresql+psycopg://')}/postgres",
    isolation_level="AUTOCOMMIT",
)
with engine.connect() as connection:
    if action == "create":
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    else:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
engine.dispose()
