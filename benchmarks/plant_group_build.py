"""The plant group of ``benchmarks/plant_group.py``, built set-based on PostgreSQL.

Every site is loaded through the plant loader (``validate_plant`` + ``apply_plant``) from a
plant file made here; the history is then generated inside the database, one
``INSERT … SELECT`` over ``generate_series`` per table, so twenty sites × two years take
minutes, not the hours row-by-row inserts would. The shapes follow a plant's week:

- an output entry per line and shift every hour of the shift (eight a shift);
- two delays per line and shift, of the site's delay reasons;
- an issue per line and week, on a rotating shift: the last days' issues are open,
  acknowledged or resolved in thirds, older ones resolved but for a few left acknowledged
  (and very few still open); raising, acknowledging and resolving each is an issue event;
- a sent outbox row per line and shift (its shift summary), as two years of posting leave.

Nothing is reported after ``now``: the current shifts are part-way through.
"""

import tomllib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from benchmarks.plant_toml import shift_tables
from bot.db import session_scope
from bot.plant.apply import apply_plant
from bot.plant.file import validate_plant

# One offset, four zones: a European group whose sites' clocks fire their jobs together.
ZONES = ("Europe/Berlin", "Europe/Paris", "Europe/Madrid", "Europe/Warsaw")
SHIFTS = (("A", "06:00", "14:00"), ("B", "14:00", "22:00"), ("C", "22:00", "06:00"))
ENTRIES_PER_SHIFT = 8
DELAYS_PER_SHIFT = 2
LARGE_TABLES = (
    "output_entries",
    "delay_entries",
    "issues",
    "issue_events",
    "outbox",
    "audit_trail",
)


@dataclass(frozen=True)
class Shape:
    """How big a group to build: ``sites`` × ``lines`` with ``days`` of history up to ``now``."""

    sites: int
    lines: int
    days: int
    now: datetime

    @property
    def last_day(self) -> date:
        return self.now.date()

    @property
    def first_day(self) -> date:
        return self.last_day - timedelta(days=self.days - 1)


def site_name(number: int) -> str:
    return f"Plant {number:02d}"


def plant_file(number: int, lines: int) -> dict[str, Any]:
    """The parsed plant file of site ``number`` (1-based): three shifts every day, ``lines``
    lines with a lead each, one head."""
    site = f"""
[site]
name = "{site_name(number)}"
timezone = "{ZONES[(number - 1) % len(ZONES)]}"
digest_channel = "C0S{number:02d}DIGEST"
heads = ["U0S{number:02d}HEAD"]
"""
    shifts = shift_tables(SHIFTS)
    line_tables = "".join(
        f"""
[[lines]]
code = "L{n:02d}"
name = "Line {n}"
channel = "C0S{number:02d}L{n:03d}"
leads = ["U0S{number:02d}L{n:03d}"]
ideal_rate = 120
unit_cost = 0.5
downtime_cost_per_hour = 600
targets = {{ A = 800, B = 800, C = 700 }}
"""
        for n in range(1, lines + 1)
    )
    return tomllib.loads(site + shifts + line_tables)


def load_plants(factory: sessionmaker[Session], shape: Shape) -> None:
    """Every site through the plant loader, as ``prodbot plant load`` would."""
    for number in range(1, shape.sites + 1):
        plant = validate_plant(plant_file(number, shape.lines), source=f"plant-{number:02d}.toml")
        with session_scope(factory) as session:
            apply_plant(session=session, plant=plant, at=shape.now - timedelta(days=shape.days))


# Every (line, shift, production date) of the history, with the line's lead, the site's head
# and zone, when the shift started (UTC), and a day number to vary the figures by.
INSTANCES = """
WITH leads AS (
    SELECT DISTINCT ON (ra.line_id) ra.line_id, p.slack_user_id AS lead
    FROM role_assignments ra JOIN people p ON p.id = ra.person_id
    WHERE ra.role = 'lead' AND ra.line_id IS NOT NULL
    ORDER BY ra.line_id, p.slack_user_id
), site_shifts AS (
    SELECT sh.*, row_number() OVER (PARTITION BY sh.site_id ORDER BY sh.start) - 1 AS idx
    FROM shifts sh
), instances AS (
    SELECT l.id AS line_id, l.code, l.channel_id, sh.id AS shift_id, sh.idx, d::date AS day,
           (d::date - CAST(:first AS date)) AS n, leads.lead,
           substr(leads.lead, 1, 5) || 'HEAD' AS head, si.delay_reasons,
           ((d::date + sh.start) AT TIME ZONE si.timezone) AS started
    FROM generate_series(CAST(:first AS date), CAST(:last AS date), interval '1 day') d
    CROSS JOIN lines l
    JOIN sites si ON si.id = l.site_id
    JOIN site_shifts sh ON sh.site_id = l.site_id
    JOIN leads ON leads.line_id = l.id
)
"""

OUTPUT = f"""{INSTANCES}
INSERT INTO output_entries (line_id, shift_id, production_date, reported_by, reported_at,
                            good, scrap, scrap_reason, source, counted)
SELECT line_id, shift_id, day, lead, started + h * interval '1 hour' - interval '5 minutes',
       80 + (line_id * 31 + n * 17 + h * 7) % 50 AS good,
       (line_id + n + h) % 4,
       CASE WHEN (line_id + n + h) % 4 > 0 THEN 'defect' END,
       'operator', true
FROM instances CROSS JOIN generate_series(1, {ENTRIES_PER_SHIFT}) h
WHERE started + h * interval '1 hour' - interval '5 minutes' <= :now
"""

DELAYS = f"""{INSTANCES}
INSERT INTO delay_entries (line_id, shift_id, production_date, reported_by, reported_at,
                           minutes, reason, note)
SELECT line_id, shift_id, day, lead, started + (k * 3) * interval '1 hour',
       5 + (line_id * 13 + n * 7 + k * 11) % 40,
       delay_reasons ->> ((line_id + n + k) % json_array_length(delay_reasons)),
       CASE WHEN (line_id + n + k) % 5 = 0 THEN 'waited for maintenance' END
FROM instances CROSS JOIN generate_series(1, {DELAYS_PER_SHIFT}) k
WHERE started + (k * 3) * interval '1 hour' <= :now
"""

# One issue per line and week; its status by its age (``age`` in days before the last day).
ISSUES = f"""{INSTANCES}
INSERT INTO issues (line_id, shift_id, production_date, severity, category, text, status,
                    raised_by, raised_at, escalation_level, channel_id, message_ts)
SELECT line_id, shift_id, day,
       (ARRAY['low', 'medium', 'medium', 'high', 'high', 'critical'])[1 + (line_id + n) % 6],
       (ARRAY[NULL, 'equipment', 'quality', 'material', 'people', 'safety'])
           [1 + (line_id * 7 + n) % 6],
       'Conveyor on ' || code || ' keeps jamming at the infeed', status,
       lead, started + interval '2 hours', 0, channel_id,
       (extract(epoch FROM started)::bigint + 7200)::text || '.000100'
FROM (
    SELECT *, CASE
        WHEN CAST(:last AS date) - day <= 2 THEN
            (ARRAY['open', 'acknowledged', 'resolved'])[1 + (line_id + n) % 3]
        WHEN CAST(:last AS date) - day <= 14 THEN
            CASE WHEN (line_id + n) % 4 = 0 THEN 'acknowledged' ELSE 'resolved' END
        WHEN (line_id * 3 + n) % 500 = 0 THEN 'open'
        WHEN (line_id * 3 + n) % 50 = 0 THEN 'acknowledged'
        ELSE 'resolved'
    END AS status
    FROM instances
    WHERE (line_id + n) % 7 = 0 AND idx = (line_id + n) % 3
) chosen
WHERE started + interval '2 hours' <= :now
"""

ISSUE_EVENTS = """
INSERT INTO issue_events (issue_id, status, "by", at, note)
SELECT i.id, 'open', i.raised_by, i.raised_at, NULL FROM issues i
UNION ALL
SELECT i.id, 'acknowledged', substr(i.raised_by, 1, 5) || 'HEAD',
       i.raised_at + interval '10 minutes', NULL
FROM issues i WHERE i.status IN ('acknowledged', 'resolved')
UNION ALL
SELECT i.id, 'resolved', i.raised_by, i.raised_at + interval '90 minutes', 'infeed guide realigned'
FROM issues i WHERE i.status = 'resolved'
"""

OUTBOX = f"""{INSTANCES}
INSERT INTO outbox (key, kind, channel, ref, payload, status, attempts, created_at,
                    next_attempt_at, expires_at, sent_at, message_ts)
SELECT 'shift-summary|line:' || line_id || '|' || day || '/' || shift_id, 'shift-summary',
       channel_id, NULL, NULL, 'sent', 1, started + interval '8 hours 15 minutes',
       started + interval '8 hours 15 minutes', started + interval '14 hours 15 minutes',
       started + interval '8 hours 15 minutes 1 second',
       (extract(epoch FROM started)::bigint + 29700)::text || '.000200'
FROM instances
WHERE started + interval '8 hours 15 minutes' <= :now
"""

TABLES = {
    "output_entries": OUTPUT,
    "delay_entries": DELAYS,
    "issues": ISSUES,
    "issue_events": ISSUE_EVENTS,
    "outbox": OUTBOX,
}


def generate_history(engine: Engine, shape: Shape) -> dict[str, int]:
    """Fill the large tables for ``shape``, then ANALYZE; rows written per table."""
    params = {"first": shape.first_day, "last": shape.last_day, "now": shape.now}
    counts = {}
    for table, statement in TABLES.items():
        with engine.begin() as connection:
            connection.exec_driver_sql("SET LOCAL synchronous_commit = off")
            counts[table] = connection.execute(text(statement), params).rowcount
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("VACUUM ANALYZE")
    return counts


def build(engine: Engine, factory: sessionmaker[Session], shape: Shape) -> dict[str, int]:
    """The plant files, then the history, on an empty migrated database."""
    load_plants(factory, shape)
    return generate_history(engine, shape)
