"""Every scheduled job by name: what ``prodbot jobs list`` shows and ``jobs run`` runs."""

from types import ModuleType

from jobs import digest, escalations, missing_report, pace_check, shift_summary, weekly_digest

JOBS: dict[str, ModuleType] = {
    job.name: job
    for job in (shift_summary, pace_check, missing_report, digest, weekly_digest, escalations)
}
