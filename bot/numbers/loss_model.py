"""The loss model of one shift instance or a sum of them: availability, performance, quality
and OEE (ISO 22400-2), and where the time went in the six big losses.

Pure arithmetic over minutes and units; ``bot.numbers.oee`` reads them from the database.

- planned production time: the shift's real length (a daylight-saving night is 7 or 9 hours)
  less its breaks; a shift a calendar entry stops has none and is not counted at all;
- downtime: the recorded delays whose reason maps to breakdowns, setup or other stops;
- run time = planned time − downtime; availability = run time / planned time;
- performance = ideal time of what was made (good + scrap at the ideal rate) / run time;
- quality = good / (good + scrap); OEE = availability × performance × quality.

Small stops (a delay reason mapped to ``small-stops``, by default ``minor-stop``) are a
performance loss, as in TPM: they do not reduce run time, they explain part of the gap between
run time and ideal time. What no delay explains is *unrecorded* loss: reduced speed, or stops
nobody reported. Scrap is a quality loss, startup scrap (reason ``startup``) apart from production
scrap; at the ideal rate both are also shown in minutes.

A line without an ideal rate has availability and quality only: performance, OEE and the losses
priced in minutes of ideal time are None.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from models import LossCategory


class BigLoss(StrEnum):
    """The six big losses, plus the stops that are neither breakdowns nor setup."""

    BREAKDOWNS = "Breakdowns"
    SETUP = "Setup & adjustments"
    OTHER_STOPS = "Other stops"
    SMALL_STOPS = "Small stops"
    REDUCED_SPEED = "Unrecorded / speed"
    STARTUP_REJECTS = "Startup rejects"
    PRODUCTION_REJECTS = "Production rejects"


_STOP_LOSS = {
    LossCategory.BREAKDOWNS: BigLoss.BREAKDOWNS,
    LossCategory.SETUP: BigLoss.SETUP,
    LossCategory.OTHER_STOPS: BigLoss.OTHER_STOPS,
    LossCategory.SMALL_STOPS: BigLoss.SMALL_STOPS,
}
_DOWNTIME = frozenset({LossCategory.BREAKDOWNS, LossCategory.SETUP, LossCategory.OTHER_STOPS})


@dataclass(frozen=True)
class Losses:
    """What one or more shift instances of a line planned, made and lost.

    Sums of these are themselves ``Losses`` (``+``), so a day, a week or a line's month is
    computed the same way, weighted by time as OEE must be.
    """

    planned_minutes: float = 0.0
    stop_minutes: Mapping[LossCategory, int] = field(default_factory=dict)
    good: int = 0
    startup_scrap: int = 0
    production_scrap: int = 0
    # Units per hour at full speed; None: the line has none, so no performance.
    ideal_rate: float | None = None
    breakdowns: int = 0  # how many breakdown delays were recorded, for MTBF and MTTR
    instances: int = 0

    def __add__(self, other: "Losses") -> "Losses":
        stops = dict(self.stop_minutes)
        for category, minutes in other.stop_minutes.items():
            stops[category] = stops.get(category, 0) + minutes
        rates = {rate for rate in (self.ideal_rate, other.ideal_rate) if rate is not None}
        return Losses(
            planned_minutes=self.planned_minutes + other.planned_minutes,
            stop_minutes=stops,
            good=self.good + other.good,
            startup_scrap=self.startup_scrap + other.startup_scrap,
            production_scrap=self.production_scrap + other.production_scrap,
            # Sums only ever join instances of one line; a changed rate leaves no single one.
            ideal_rate=rates.pop() if len(rates) == 1 else None,
            breakdowns=self.breakdowns + other.breakdowns,
            instances=self.instances + other.instances,
        )

    @property
    def scrap(self) -> int:
        return self.startup_scrap + self.production_scrap

    @property
    def downtime_minutes(self) -> int:
        return sum(m for category, m in self.stop_minutes.items() if category in _DOWNTIME)

    @property
    def run_minutes(self) -> float:
        return max(0.0, self.planned_minutes - self.downtime_minutes)

    @property
    def ideal_minutes(self) -> float | None:
        """Minutes what was made would have taken at the ideal rate."""
        if self.ideal_rate is None:
            return None
        return (self.good + self.scrap) * 60 / self.ideal_rate

    @property
    def availability(self) -> float | None:
        return self.run_minutes / self.planned_minutes if self.planned_minutes else None

    @property
    def performance(self) -> float | None:
        ideal = self.ideal_minutes
        if ideal is None or not self.run_minutes:
            return None
        return ideal / self.run_minutes

    @property
    def quality(self) -> float | None:
        made = self.good + self.scrap
        return self.good / made if made else None

    @property
    def oee(self) -> float | None:
        """A × P × Q, which is also good units' ideal time over planned time."""
        parts = (self.availability, self.performance, self.quality)
        if any(part is None for part in parts):
            # Nothing made in a shift with planned time is 0 % OEE, not unknown.
            if self.ideal_rate is not None and self.planned_minutes and not self.good + self.scrap:
                return 0.0
            return None
        a, p, q = (float(part or 0.0) for part in parts)
        return a * p * q

    @property
    def unrecorded_minutes(self) -> float | None:
        """Performance loss no delay explains: run time − ideal time − small stops, never < 0."""
        ideal = self.ideal_minutes
        if ideal is None:
            return None
        small = self.stop_minutes.get(LossCategory.SMALL_STOPS, 0)
        return max(0.0, self.run_minutes - ideal - small)

    def big_losses(self) -> dict[BigLoss, float]:
        """Minutes lost to each of the big losses, largest first; scrap and unrecorded loss only
        when the ideal rate prices them in minutes. Losses of zero are left out."""
        minutes: dict[BigLoss, float] = {}
        for category, lost in self.stop_minutes.items():
            minutes[_STOP_LOSS[category]] = minutes.get(_STOP_LOSS[category], 0.0) + lost
        if self.ideal_rate is not None:
            minutes[BigLoss.REDUCED_SPEED] = self.unrecorded_minutes or 0.0
            minutes[BigLoss.STARTUP_REJECTS] = self.startup_scrap * 60 / self.ideal_rate
            minutes[BigLoss.PRODUCTION_REJECTS] = self.production_scrap * 60 / self.ideal_rate
        kept = {loss: lost for loss, lost in minutes.items() if lost > 0}
        return dict(sorted(kept.items(), key=lambda item: (-item[1], list(BigLoss).index(item[0]))))

    @property
    def biggest_loss(self) -> tuple[BigLoss, float] | None:
        return next(iter(self.big_losses().items()), None)

    @property
    def mtbf_minutes(self) -> float | None:
        """Mean time between failures: run time per recorded breakdown."""
        return self.run_minutes / self.breakdowns if self.breakdowns else None

    @property
    def mttr_minutes(self) -> float | None:
        """Mean time to repair: breakdown minutes per recorded breakdown."""
        if not self.breakdowns:
            return None
        return self.stop_minutes.get(LossCategory.BREAKDOWNS, 0) / self.breakdowns


def categorised(
    delays: Iterable[tuple[str, int, int]], categories: Mapping[str, str]
) -> tuple[dict[LossCategory, int], int]:
    """(reason, minutes, entries) of some delays as minutes per loss category, with the number
    of breakdowns; ``categories`` is a site's reason -> category map, and a reason the plant
    file no longer lists is one of the other stops."""
    minutes: dict[LossCategory, int] = {}
    breakdowns = 0
    for reason, lost, entries in delays:
        category = LossCategory(categories.get(reason, LossCategory.OTHER_STOPS))
        minutes[category] = minutes.get(category, 0) + lost
        if category is LossCategory.BREAKDOWNS:
            breakdowns += entries
    return minutes, breakdowns


def total(losses: Iterable[Losses]) -> Losses | None:
    """The sum of some instances' losses; None when there are none."""
    summed: Losses | None = None
    for one in losses:
        summed = one if summed is None else summed + one
    return summed
