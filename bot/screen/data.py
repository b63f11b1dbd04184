"""The JSON the floor screen polls: a ``FloorView`` as display-ready values.

Only numbers, counts, times and the names of the site, its lines and the shift go out: no notes,
no issue text, nobody's name or user id. The page shows each string with ``textContent``.
"""

import math
from datetime import datetime
from typing import Any

from bot.numbers.floor import FloorView, LineTile

# pace states, as the page colours them
AHEAD, BEHIND, UNKNOWN, IDLE = "ok", "behind", "unknown", "idle"


def build_floor_data(view: FloorView) -> dict[str, Any]:
    instance = view.instance
    return {
        "site": view.site_name,
        "clock": _local(view.at, view),
        "shift": view.shift_name,
        "shift_time": (
            f"{_local(instance.start, view)}–{_local(instance.end, view)}" if instance else None
        ),
        "tiles": [_tile(tile, view) for tile in view.tiles],
    }


def _tile(tile: LineTile, view: FloorView) -> dict[str, Any]:
    last = tile.totals.last_reported_at
    return {
        "line": tile.line_code,
        "name": tile.line_name,
        "unit": tile.unit,
        "planned": tile.planned,
        "actual": tile.totals.good,
        "actual_text": _count(tile.totals.good),
        "target": tile.target,
        "target_text": _count(tile.target) if tile.target is not None else "–",
        "progress": min(tile.attainment or 0.0, 1.0),
        "attainment_text": _percent(tile.attainment),
        "pace_text": _percent(tile.pace),
        "pace_state": _pace_state(tile, view.pace_alert),
        "oee_text": _percent(tile.oee) if tile.oee is not None else None,
        "machine": tile.machine_state,
        "issues": [
            {"severity": severity, "count": count} for severity, count in tile.open_issues.items()
        ],
        "last_report": _local(last, view) if last is not None else None,
        "last_report_minutes": (
            max(0, math.floor((view.at - last).total_seconds() / 60)) if last else None
        ),
    }


def _pace_state(tile: LineTile, pace_alert: float) -> str:
    if not tile.planned:
        return IDLE
    if tile.pace is None:
        return UNKNOWN
    return AHEAD if tile.pace >= pace_alert else BEHIND


def _count(value: int) -> str:
    """Thousands split by a thin space, readable in any language: 12 345."""
    return f"{value:,}".replace(",", "\u2009")


def _percent(share: float | None) -> str:
    return "–" if share is None else f"{share:.0%}"


def _local(at: datetime, view: FloorView) -> str:
    return at.astimezone(view.zone).strftime("%H:%M")
