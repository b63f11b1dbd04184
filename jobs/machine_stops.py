"""``machine-stops``: every minute, ask why a machine stopped, and remind the leads once.

A stop (open or ended) longer than its line's ``stop_prompt_minutes``, with no reason from the
machine and not asked about yet, gets its prompt owed in the line channel: "L1 stopped at 10:42
— what happened?" with the site's delay reasons as buttons (``bot.messages.machine_stops``).
The prompt is rendered when it is sent, so a stop answered meanwhile shows its answer. Keyed per
stop (``machine-stops|stop:<id>|prompt``): posted once however often the job runs, from however
many schedulers.

A prompt still unanswered ``REMIND_AFTER`` (15 minutes) later is reminded once by DM to each
of the line's leads, keyed per stop and lead; the reminder is dropped if the stop is answered
before it is sent. The stop stays unexplained downtime (the digest counts it) until answered.
"""

from datetime import UTC, datetime, timedelta

from bot.db import session_scope
from bot.messages.machine_stops import reminder_text
from bot.numbers.machine_stops import stops_to_prompt, stops_to_remind
from bot.plant.people import line_people
from bot.records.machine_stops import JOB, PROMPT_KIND, mark_prompted, mark_reminded, prompt_key
from bot.records.outbox import Owed, owe_all
from bot.slack.outbox import PostOutcome
from jobs.base import JobDeps, SiteIds, sites_of
from models import Role

name = JOB
description = "Asks in the line channel why a machine stopped; reminds the leads once (every min)."

# How often the scheduler fires it, whatever the sites (jobs/registry.py).
EVERY = timedelta(minutes=1)
# An unanswered prompt is reminded to the line's leads this long after it was owed.
REMIND_AFTER = timedelta(minutes=15)
# A prompt or a reminder is worth sending while the shift can still act on it.
KEEP_FOR = timedelta(hours=4)
REMINDER_KIND = "machine_stop_reminder"


def run(at: datetime, deps: JobDeps, sites: SiteIds = None) -> list[PostOutcome]:
    """Owe the prompts and reminders due at ``at`` (at ``sites``, or all) and send them now."""
    with session_scope(deps.session_factory) as session:
        site_ids = [site.id for site in sites_of(session, sites)]
        prompts = stops_to_prompt(session, at=at, site_ids=site_ids)
        owed = [
            Owed(
                key=prompt_key(stop.id),
                kind=PROMPT_KIND,
                keep_for=KEEP_FOR,
                channel=stop.channel_id,
                ref=f"machine_stop:{stop.id}",
            )
            for stop in prompts
            if stop.channel_id
        ]
        reminders = stops_to_remind(session, at=at, after=REMIND_AFTER, site_ids=site_ids)
        for stop in reminders:
            text = reminder_text(stop)
            owed.extend(
                Owed(
                    key=f"{JOB}|stop:{stop.id}/lead:{lead}|reminder",
                    kind=REMINDER_KIND,
                    keep_for=KEEP_FOR,
                    channel=lead,
                    ref=f"machine_stop:{stop.id}",
                    payload={"text": text},
                )
                for lead in line_people(session, line_id=stop.line_id, role=Role.LEAD)
            )
        ids = owe_all(session, owed, at=datetime.now(UTC))
        mark_prompted(session, stop_ids=[stop.id for stop in prompts], at=at)
        mark_reminded(session, stop_ids=[stop.id for stop in reminders], at=at)
    return deps.outbox.deliver(list(ids.values()))
