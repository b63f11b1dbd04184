"""Every scheduled job by name: what ``prodbot jobs list`` shows and ``jobs run`` runs.

Most jobs fire on per-site cron triggers built from the plant (``jobs/scheduler.py``); those in
``INTERVALS`` fire on a fixed interval, once for all sites.
"""

from datetime import timedelta
from types import ModuleType

from jobs import (
    deliveries,
    digest,
    escalations,
    machine_stops,
    missing_report,
    pace_check,
    shift_summary,
    weekly_digest,
)

JOBS: dict[str, ModuleType] = {
    job.name: job
    for job in (
        shift_summary,
        pace_check,
        missing_report,
        digest,
        weekly_digest,
        escalations,
        deliveries,
        machine_stops,
    )
}

# Site-independent jobs and how often they run.
INTERVALS: dict[str, timedelta] = {
    deliveries.name: deliveries.EVERY,
    machine_stops.name: machine_stops.EVERY,
}
