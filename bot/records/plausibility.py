"""Reports that cannot be true as typed: more output than the line can make, more delay than the
shift has time for. ``bot.records.reporting`` raises these instead of saving."""

from bot.errors import ProdbotError
from bot.plant.shifts import ShiftInstance
from bot.plant.snapshot import LineRef
from models.schemas import USAGE, OutputCommand

# Output up to the line's ideal rate times the elapsed time, plus this margin, is plausible.
PLAUSIBILITY_MARGIN = 1.25


class ImplausibleQuantity(ProdbotError):
    """More than the line can physically make so far; the reporter may confirm it."""

    def __init__(self, *, command: OutputCommand, request_key: str, capacity: int, unit: str):
        super().__init__(
            f"{command.good + command.scrap:,} {unit} is more than {command.line.upper()} can "
            f"make in this shift so far (about {capacity:,} at its ideal rate)."
        )
        self.command = command
        self.request_key = request_key
        self.capacity = capacity


class ImplausibleDelay(ProdbotError):
    """More delay than the shift instance has planned minutes left to lose."""

    def __init__(self, *, line: LineRef, instance: ShiftInstance, logged: int, asked: int):
        room = max(0, instance.planned_minutes - logged)
        guess = asked // 60
        # "8h" typed for 8 minutes is the slip this catches most often.
        did_you_mean = f" Did you mean `{guess}m`?" if asked % 60 == 0 and 0 < guess <= room else ""
        already = f", and {_clock(logged)} of delays are already logged" if logged else ""
        super().__init__(
            f"{_clock(asked)} of delay does not fit into shift {instance.shift_name} on "
            f"{line.code}: it has {_clock(instance.planned_minutes)} of planned time{already}, "
            f"so at most {_clock(room)} more can be logged.{did_you_mean}",
            usage=USAGE["delay"],
        )
        self.room = room


def _clock(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    return f"{hours}h{rest:02d}m" if hours else f"{rest}m"
