"""``escalations``: issues nobody has acknowledged climb the ladder, managers first, then heads.

Each unresolved issue is judged at the clock ``at``: the levels whose deadline has passed while
it is still open are pinged by DM (``bot.numbers.issues.escalation_due``), and an issue
acknowledged but not resolved for four hours reminds its acknowledger once.
Every ping is owed once in the outbox per issue, person and level, so a level is pinged once
however often the job runs, and a run after downtime sends what fell due meanwhile. Acknowledging
stops the ladder: an acknowledged issue is no longer due at any level, and a ping still unsent
when its issue is acknowledged is dropped. Reading what is due costs a fixed number of queries
per site, however many issues are open (``bot.numbers.issues.due_pings``).
"""

from datetime import datetime, timedelta

from bot.slack.issues import ESCALATIONS_JOB, send_due_pings
from bot.slack.outbox import PostOutcome
from jobs.base import JobDeps, SiteIds

name = ESCALATIONS_JOB
description = "DM managers, then heads, about issues nobody acknowledged; remind acknowledgers."

# A ping Slack refused is retried for a day; one whose issue was handled meanwhile is dropped.
KEEP_FOR = timedelta(hours=24)


def run(at: datetime, deps: JobDeps, sites: SiteIds = None) -> list[PostOutcome]:
    return send_due_pings(
        client=deps.client, outbox=deps.outbox, at=at, keep_for=KEEP_FOR, site_ids=sites
    )
