"""``deliveries``: every minute, send what the outbox still owes Slack (``bot.slack.outbox``).

Jobs and requests send what they owe at once; this job retries what Slack refused (after its
backoff or ``Retry-After``), what waited for its thread, and what a process killed mid-send left
claimed: a claim's lease lapses after a minute and the next run takes the row over. Claims are
compare-and-set, so two schedulers running it at once send each message once. It judges the
real clock, not ``at``: what is due is a matter of when Slack last answered.
"""

from datetime import datetime, timedelta

from bot.slack.outbox import PostOutcome
from jobs.base import JobDeps, SiteIds

name = "deliveries"
description = "Retries what the bot owes Slack and was not sent yet (every minute, all sites)."

# How often the scheduler fires it, whatever the sites (jobs/registry.py).
EVERY = timedelta(minutes=1)


def run(at: datetime, deps: JobDeps, sites: SiteIds = None) -> list[PostOutcome]:
    """Everything still owed, whatever ``sites``: an interval job, run once for all."""
    return deps.outbox.deliver()
