"""What happens at Riverside Bottling in the demo's day and a half, on a fixed calendar.

Times are the plant's local wall clock. The dates are fixed (Monday 14 and Tuesday 15 September
2026, after the two weeks of ``bot.demo.history``) so every run shows the same story. It starts
on a Monday so the week opens with the weekly review of the week before. Each step that reaches
the bot says how many Slack Web API calls the bot makes after answering it (board update and
thread line: 2), so the demo can wait for them before the clock moves on.

The numbers are meant to be plausible: L1 and L3 run at 95–105% of target; L2 loses time to a
material shortage and a breakdown and falls clearly behind; its high issue escalates to the line
manager, who acknowledges it before it reaches the head of production, and it is resolved the
next morning; the L3 night shift never reports. L4, new and counted by its machine, runs its
first shift on Tuesday: its filler publishes counts and one stop, which Sara explains.
"""

import itertools
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

FIRST_DAY = date(2026, 9, 14)
START = datetime.combine(FIRST_DAY, time(6, 0))
END = datetime.combine(FIRST_DAY + timedelta(days=1), time(10, 30))


@dataclass(frozen=True)
class Narration:
    when: datetime
    text: str


@dataclass(frozen=True)
class SlashCommand:
    when: datetime
    user: str
    channel: str
    typed: str
    bot_calls: int = 2

    @property
    def name(self) -> str:
        return self.typed.split(" ", 1)[0]

    @property
    def text(self) -> str:
        return self.typed.partition(" ")[2]


@dataclass(frozen=True)
class ButtonPress:
    """A click on the button labelled ``label`` in the last message the bot showed ``user``."""

    when: datetime
    user: str
    channel: str
    label: str
    bot_calls: int = 3


@dataclass(frozen=True)
class MessageButtonPress:
    """A click on the button labelled ``label`` on the newest message in ``channel`` that shows
    one, as it reads after any update in place; ``message`` names it for the transcript."""

    when: datetime
    user: str
    channel: str
    label: str
    message: str
    bot_calls: int


@dataclass(frozen=True)
class ModalSubmission:
    """``user`` types ``typed`` into the text field of the modal the bot last opened for them,
    then presses its submit button."""

    when: datetime
    user: str
    typed: str
    bot_calls: int


@dataclass(frozen=True)
class MachineCount:
    """What a machine made since its last count, published at ``at`` with its ``seq``."""

    at: datetime
    good: int
    scrap: int
    seq: int


@dataclass(frozen=True)
class MachineState:
    at: datetime
    state: str  # running | stopped


@dataclass(frozen=True)
class MachinePublishes:
    """``line``'s machine publishes ``messages``, each stamped with its own time, on its count
    and state topics. A machine counts every few minutes; the story shows what it published
    since the last step at once, at ``when``, as the board shows it then."""

    when: datetime
    line: str
    messages: tuple[MachineCount | MachineState, ...]
    bot_calls: int


Step = (
    Narration | SlashCommand | ButtonPress | MessageButtonPress | ModalSubmission | MachinePublishes
)


def _at(day: int, clock: str) -> datetime:
    hours, minutes = map(int, clock.split(":"))
    return datetime.combine(FIRST_DAY + timedelta(days=day - 1), time(hours, minutes))


def _note(day: int, clock: str, text: str) -> Narration:
    return Narration(_at(day, clock), text)


def _typed(day: int, clock: str, user: str, channel: str, typed: str, bot_calls: int = 2) -> Step:
    return SlashCommand(_at(day, clock), user, channel, typed, bot_calls)


def _reports(day: int, user: str, channel: str, entries: dict[str, str]) -> list[Step]:
    """One lead's ``/output`` reports of a shift: clock → what follows ``/output``."""
    return [_typed(day, clock, user, channel, f"/output {text}") for clock, text in entries.items()]


FILLER_EVERY = timedelta(minutes=5)
FILLER_MADE = (15, 0)  # good, scrap: 180 cases an hour against L4's ideal 200
_filler_seq = itertools.count(1)


def _filler(
    first: str, last: str, unlike: dict[str, tuple[int, int]] | None = None
) -> list[MachineCount]:
    """L4's filler on Tuesday: a count every five minutes from ``first`` to ``last``, each
    ``FILLER_MADE`` except at the clocks in ``unlike``; seq numbers go on from the last count."""
    counts = []
    at, end = _at(2, first), _at(2, last)
    while at <= end:
        good, scrap = (unlike or {}).get(f"{at:%H:%M}", FILLER_MADE)
        counts.append(MachineCount(at, good, scrap, next(_filler_seq)))
        at += FILLER_EVERY
    return counts


def _l4(clock: str, *messages: MachineCount | MachineState, bot_calls: int = 1) -> Step:
    """L4's machine publishes ``messages`` (a count redraws the board: 1 call)."""
    return MachinePublishes(_at(2, clock), "L4", messages, bot_calls)


STORY: list[Step] = [
    _note(1, "06:00", "Monday, a new week at Riverside Bottling. Early shift: Anna runs L1, Ben "
          "L2, Chris L3. They report every hour from the floor."),
    _note(1, "07:30", "Hannah, the head of production, starts the week with last week's review, "
          "in the digest channel and in her DMs."),
    *_reports(1, "anna", "l1-filling", {
        "07:00": "130", "08:00": "135 scrap 2 startup", "09:00": "128 scrap 1 fill-level",
        "10:00": "136", "11:00": "131 scrap 3", "12:00": "125", "13:00": "134",
        "13:55": "116 scrap 2",
    }),
    *_reports(1, "ben", "l2-canning", {
        "07:00": "78 scrap 4 startup", "08:05": "62", "09:00": "45 scrap 6 seal",
        "10:00": "88",
        "11:00": "84 scrap 2", "12:00": "86", "13:00": "80", "13:55": "70 scrap 1",
    }),
    _typed(1, "08:10", "ben", "l2-canning", "/delay 25m material waiting for can ends"),
    _typed(1, "09:40", "ben", "l2-canning", "/delay 40 breakdown seamer 2 jammed, fitter called"),
    *_reports(1, "chris", "l3-kegging", {
        "07:00": "32", "08:00": "34", "09:00": "33 scrap 1", "10:00": "31", "11:00": "34",
        "12:00": "32", "13:00": "33", "13:55": "28",
    }),
    _typed(1, "10:20", "chris", "l3-kegging", "/delay 15 materail empty kegs late", bot_calls=0),
    _typed(1, "10:21", "chris", "l3-kegging", "/delay 15 mat empty kegs late"),
    _note(1, "11:30", "Marco, the line manager, checks all lines from the digest channel."),
    _typed(1, "11:30", "marco", "production-digest", "/prod status", bot_calls=0),
    _note(1, "11:31", "L4, the new PET line, was commissioned last week. Its plant file names no "
          "targets yet, so it is not planned; Marco plans its first production shift, Tuesday's "
          "early."),
    _typed(1, "11:31", "marco", "l4-pet", "/prod target L4 1300 shift Early from 2026-09-15", 1),
    _note(1, "14:00", "Late shift: Jonas on L1, Lena on L2, Mia on L3."),
    _note(1, "14:30", "Jonas counts the pallets wrapped at the shift change: more than L1 could "
          "make in 30 minutes, so the bot asks first."),
    _typed(1, "14:30", "jonas", "l1-filling", "/output 120 pallets wrapped at changeover", 0),
    ButtonPress(_at(1, "14:31"), "jonas", "l1-filling", "Save anyway"),
    *_reports(1, "jonas", "l1-filling", {
        "16:00": "130 scrap 2", "17:00": "131", "18:00": "128", "19:00": "133 scrap 1",
        "20:00": "127", "21:00": "130 scrap 2", "21:55": "118",
    }),
    _typed(1, "15:30", "lena", "l2-canning", "/output 96 scrap 2"),
    _note(1, "15:31", "Lena's phone sends the same report twice; she undoes the second one."),
    _typed(1, "15:31", "lena", "l2-canning", "/output 96 scrap 2"),
    _typed(1, "15:32", "lena", "l2-canning", "/prod undo"),
    _typed(1, "16:40", "lena", "l2-canning",
           "/issue L2 high seamer 3 leaking, cans failing the seam check"),
    _typed(1, "16:45", "lena", "l2-canning", "/delay 35m breakdown seamer 3 seal replaced"),
    _note(1, "17:10", "Nobody has acknowledged the issue, so the bot pinged Marco at 17:00. He "
          "acknowledges it from the line channel, and it does not go up to Hannah at 17:40."),
    MessageButtonPress(_at(1, "17:10"), "marco", "l2-canning", "Acknowledge", "the L2 issue", 2),
    *_reports(1, "lena", "l2-canning", {
        "16:30": "70", "17:30": "60", "18:30": "95 scrap 5 seal", "19:30": "102", "20:30": "100",
        "21:55": "128",
    }),
    *_reports(1, "mia", "l3-kegging", {
        "15:00": "33", "16:00": "32", "17:00": "34", "18:00": "31", "19:00": "33",
        "20:00": "32 scrap 1", "21:00": "33", "21:50": "27",
    }),
    _note(1, "19:15", "A forklift reverses past the keg washer without a spotter. Nobody is hurt; "
          "Mia records it as a near miss, which the morning review counts under Safety."),
    _typed(1, "19:15", "mia", "l3-kegging",
           "/issue L3 low near-miss forklift reversed past the keg washer without a spotter"),
    _note(1, "22:00", "Night shift: Petra runs L1. L3's night shift runs too, but nobody "
          "reports its output."),
    *_reports(1, "petra", "l1-filling", {"23:00": "95"}),
    *_reports(2, "petra", "l1-filling", {
        "00:00": "101", "01:00": "99 scrap 2", "02:00": "100", "03:00": "98", "04:00": "102",
        "05:00": "100", "05:50": "85",
    }),
    _note(2, "06:00", "Tuesday morning: the night fitter has rebuilt seamer 3, and Ben resolves "
          "the issue before the digest. The missing report is chased and the head of production "
          "gets yesterday's digest."),
    MessageButtonPress(_at(2, "06:10"), "ben", "l2-canning", "Resolve", "the L2 issue", 1),
    ModalSubmission(_at(2, "06:11"), "ben", "Fitter replaced the seamer 3 chuck and seal "
                    "overnight; seam checks pass.", 1),
    *_reports(2, "anna", "l1-filling", {
        "07:00": "128", "08:00": "134 scrap 1", "09:00": "131", "10:00": "129",
    }),
    *_reports(2, "ben", "l2-canning", {
        "07:00": "102 seamer 3 fixed overnight", "08:00": "104", "09:00": "101 scrap 2",
        "10:00": "103",
    }),
    *_reports(2, "chris", "l3-kegging", {
        "07:00": "33", "08:00": "33", "09:00": "34", "10:00": "32",
    }),
    _note(2, "06:00", "Sara runs L4's first production shift. Nobody types its output: its filler "
          "publishes what it made every five minutes, and whether it runs, over MQTT; prodbot's "
          "machine client takes both from the broker."),
    _l4("07:00", *_filler("06:05", "07:00", unlike={"06:05": (12, 3)})),
    _l4("08:00", *_filler("07:05", "08:00")),
    _note(2, "08:42", "A bottle jams in L4's capper and the filler stops. It says only that it "
          "stopped; once the stop is longer than L4's stop_prompt_minutes (5), the bot asks why."),
    _l4("08:42", *_filler("08:05", "08:40"), *_filler("08:42", "08:42", unlike={"08:42": (6, 0)}),
        MachineState(_at(2, "08:42"), "stopped")),
    _note(2, "08:50", "Sara has cleared the jam and answers with a reason button: the delay entry "
          "gets the minutes the machine measured, and grows to the whole stop when it runs again."),
    MessageButtonPress(_at(2, "08:50"), "sara", "l4-pet", "breakdown", "the L4 stop", 4),
    _l4("08:53", MachineState(_at(2, "08:53"), "running"), bot_calls=0),
    _l4("09:00", *_filler("08:55", "09:00", unlike={"08:55": (6, 0)})),
    _l4("10:00", *_filler("09:05", "10:00", unlike={"09:30": (14, 1)})),
]  # fmt: skip
