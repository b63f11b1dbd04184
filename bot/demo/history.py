"""The two working weeks before the story, written straight into the database before it starts.

The story opens on a Monday, when the ``weekly-digest`` job reviews the week before and compares
its losses with the week before that, and Tuesday's daily digest counts the month to date from
1 September. Those need a past; replaying two weeks of Slack requests for it would make the demo
slow and the transcript unreadable. So each shift's total and each delay goes through the same
domain functions the handlers call (``record_output``, ``record_delay``), at the instant its lead
would have reported it, with a request key of its own (``history:…``), as if prodbot had been
running all along. Nothing is posted.

The numbers lead into the story: L1 runs at target (its Wednesday is the planned stop in the
plant file), L2 loses time to can-end shortages and changeovers and runs behind, and L3's night
shift reports late or not at all, as it does again on the story's Monday. No line has the same
delay reason three times in seven days, so no repeat problem is raised before the story does.
L4 has no past: it runs its first shift in the story.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy.orm import Session, sessionmaker

from bot.db import session_scope
from bot.demo.workspace import user_id
from bot.plant.file import PlantFile
from bot.plant.shifts import shift_instance
from bot.records.reporting import record_delay, record_output
from bot.records.scope import RequestScope, request_scope
from models.schemas import DelayCommand, OutputCommand

FIRST_DAY = date(2026, 8, 31)  # the Monday two weeks before the story
WORKING_DAYS = [FIRST_DAY + timedelta(days=week * 7 + day) for week in (0, 1) for day in range(5)]

# Who leads each line's shift; the night shift of L2 does not exist.
LEADS = {
    ("L1", "Early"): "anna", ("L1", "Late"): "jonas", ("L1", "Night"): "petra",
    ("L2", "Early"): "ben", ("L2", "Late"): "lena",
    ("L3", "Early"): "chris", ("L3", "Late"): "mia", ("L3", "Night"): "tomasz",
}  # fmt: skip

# Per line, per working day (Mon 31 Aug – Fri 11 Sep): each of its shifts' good output as a
# percentage of the shift's target, in the order of the line's targets in the plant file. A
# trailing "L" means the total was reported late (after the report grace), "-" never reported;
# an empty day is a planned stop. A line not listed had not started production.
MADE: dict[str, list[str]] = {
    "L1": [
        "101 99 98", "93 102 97", "100 101 99", "98 100 101", "102 99 96",
        "100 102 99", "101 98 100", "", "99 94 98", "102 100 97",
    ],
    "L2": [
        "86 95", "94 96", "97 84", "95 93", "88 96",
        "87 95", "96 88", "94 97", "91 95", "96 89",
    ],
    "L3": [
        "99 101 96", "100 98 97L", "101 100 98", "99 92 95", "98 101 97",
        "100 99 98", "101 100 96L", "91 99 97", "98 101 -", "90 99 95",
    ],
}  # fmt: skip
SCRAP_RATE = {"L1": 0.008, "L2": 0.018, "L3": 0.003}
ON_TIME = timedelta(minutes=-5)  # the last report of the shift, just before it ends
LATE = timedelta(minutes=100)  # the next shift's lead chases it


@dataclass(frozen=True)
class PastDelay:
    day: date
    clock: time
    line: str
    minutes: int
    reason: str
    note: str


DELAYS = [
    PastDelay(date(2026, 8, 31), time(9, 10), "L2", 55, "breakdown", "seamer 2 chuck worn"),
    PastDelay(date(2026, 9, 1), time(7, 30), "L1", 45, "changeover", "330 ml to 500 ml"),
    PastDelay(date(2026, 9, 2), time(17, 20), "L2", 60, "material", "can ends short"),
    PastDelay(date(2026, 9, 3), time(18, 40), "L3", 25, "breakdown", "keg washer valve"),
    PastDelay(date(2026, 9, 4), time(10, 5), "L2", 40, "breakdown", "seamer 2 chuck again"),
    PastDelay(date(2026, 9, 4), time(23, 30), "L1", 20, "utilities", "compressed air low"),
    PastDelay(date(2026, 9, 7), time(6, 20), "L2", 50, "changeover", "330 ml to 500 ml cans"),
    PastDelay(date(2026, 9, 8), time(16, 15), "L2", 45, "material", "can ends late from supplier"),
    PastDelay(date(2026, 9, 9), time(11, 0), "L3", 30, "utilities", "CO2 pressure low"),
    PastDelay(date(2026, 9, 10), time(8, 45), "L2", 25, "quality", "seam check failures, adjusted"),
    PastDelay(date(2026, 9, 10), time(19, 5), "L1", 35, "breakdown", "labeller jam"),
    PastDelay(date(2026, 9, 11), time(6, 40), "L3", 30, "staffing", "one operator short"),
    PastDelay(date(2026, 9, 11), time(15, 50), "L2", 40, "changeover", "500 ml back to 330 ml"),
]


@dataclass(frozen=True)
class HistoryLoaded:
    outputs: int
    delays: int


def load_history(
    session_factory: sessionmaker[Session], plant: PlantFile, at: datetime
) -> HistoryLoaded:
    """Record the two weeks in one unit of work; ``at`` (after them) picks the site."""
    with session_scope(session_factory) as session:
        scope = request_scope(
            session, channel_id=None, user_id=user_id("hannah"), team_id=None, at=at
        )
        outputs = sum(
            _record_day(session, scope, line.code, line.targets, day, percentages)
            for line in plant.lines
            if line.code in MADE
            for day, percentages in zip(WORKING_DAYS, MADE[line.code], strict=True)
        )
        for delay in DELAYS:
            _record_delay(session, scope, delay)
    return HistoryLoaded(outputs=outputs, delays=len(DELAYS))


def _record_day(
    session: Session,
    scope: RequestScope,
    line: str,
    targets: dict[str, int],
    day: date,
    percentages: str,
) -> int:
    """One line's shift totals of ``day``; returns how many were reported."""
    if not percentages:
        return 0  # a planned stop
    reported = 0
    for (shift_name, target), made in zip(targets.items(), percentages.split(), strict=True):
        if made == "-":
            continue
        late = made.endswith("L")
        good = round(target * int(made.removesuffix("L")) / 100)
        shift = next(s for s in scope.site.shifts if s.name == shift_name)
        at = shift_instance(shift, day, scope.zone).end + (LATE if late else ON_TIME)
        record_output(
            session,
            scope=scope,
            command=OutputCommand(
                line=line,
                good=good,
                scrap=round(good * SCRAP_RATE[line]),
                shift=shift_name,
                production_date=day,
            ),
            user_id=user_id(LEADS[(line, shift_name)]),
            request_key=f"history:output:{line}:{shift_name}:{day.isoformat()}",
            at=at,
        )
        reported += 1
    return reported


def _record_delay(session: Session, scope: RequestScope, delay: PastDelay) -> None:
    """A delay logged during the shift it happened in (``record_delay`` finds that shift)."""
    at = datetime.combine(delay.day, delay.clock, tzinfo=scope.zone).astimezone(UTC)
    shift = next(
        s.name for s in scope.site.shifts if shift_instance(s, delay.day, scope.zone).contains(at)
    )
    record_delay(
        session,
        scope=scope,
        command=DelayCommand(
            line=delay.line, minutes=delay.minutes, reason=delay.reason, note=delay.note
        ),
        user_id=user_id(LEADS[(delay.line, shift)]),
        request_key=f"history:delay:{delay.line}:{at.isoformat()}",
        at=at,
    )
