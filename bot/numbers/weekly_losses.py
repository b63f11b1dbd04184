"""The weekly review's loss model: each line's OEE this week and the week before, where the
site's time went in the six big losses, and each line's MTBF and MTTR.

The arithmetic is ``bot.numbers.loss_model``'s; the instances are read by one call of
``bot.numbers.oee.losses_by_instance`` over both weeks, so the cost is a fixed number of grouped
queries whatever the number of lines. A line counts in a week when at least one of its planned
shift instances was reported; a shift nobody reported is unknown, not 0 % OEE.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy.orm import Session

from bot.numbers.loss_model import BigLoss, Losses
from bot.numbers.oee import by_line, losses_by_instance
from models import Line, Site

WEEK = timedelta(days=7)


@dataclass(frozen=True)
class LineOee:
    """One line reported this week: its losses, and the week before's (None when nobody
    reported the line then)."""

    line_id: int
    code: str
    current: Losses
    previous: Losses | None = None

    @property
    def has_ideal_rate(self) -> bool:
        """Whether the week is priced at an ideal rate: else A and Q only, no P or OEE."""
        return self.current.ideal_rate is not None

    @property
    def oee(self) -> float | None:
        return self.current.oee

    @property
    def oee_change(self) -> float | None:
        """This week's OEE less the week before's, as a fraction (0.031 is +3.1 points); None
        when either week has no OEE."""
        before = self.previous.oee if self.previous is not None else None
        if self.oee is None or before is None:
            return None
        return self.oee - before

    @property
    def is_new(self) -> bool:
        """An OEE this week and none the week before: a trend cannot be told yet."""
        return self.oee is not None and self.oee_change is None


@dataclass(frozen=True)
class WeeklyOee:
    """The site's week in the loss model; empty when no line was reported."""

    lines: list[LineOee] = field(default_factory=list)
    # Minutes lost per big loss, summed over the lines, largest first.
    big_losses: Mapping[BigLoss, float] = field(default_factory=dict)
    # Lines reported this week whose speed and scrap are not priced in minutes (no ideal rate).
    unpriced_lines: int = 0

    @property
    def lost_minutes(self) -> float:
        return sum(self.big_losses.values())


def compute_weekly_oee(
    session: Session, *, site: Site, lines: Sequence[Line], first: date
) -> WeeklyOee:
    """The loss model of the week starting on Monday ``first``, against the week before."""
    last = first + WEEK - timedelta(days=1)
    instances = losses_by_instance(session, site=site, lines=lines, first=first - WEEK, last=last)
    current = by_line({key: one for key, one in instances.items() if key[2] >= first})
    previous = by_line({key: one for key, one in instances.items() if key[2] < first})
    shown = [
        LineOee(line.id, line.code, current[line.id], previous.get(line.id))
        for line in lines
        if line.id in current
    ]
    return WeeklyOee(
        lines=shown,
        big_losses=site_big_losses(line.current for line in shown),
        unpriced_lines=sum(not line.has_ideal_rate for line in shown),
    )


def site_big_losses(lines: Iterable[Losses]) -> dict[BigLoss, float]:
    """Each line's big losses in minutes summed over the lines, largest first.

    Summed per line rather than over one ``Losses`` of the site: lines have different ideal
    rates, and a sum of them has none, which would drop the losses priced at it.
    """
    minutes: dict[BigLoss, float] = {}
    for losses in lines:
        for loss, lost in losses.big_losses().items():
            minutes[loss] = minutes.get(loss, 0.0) + lost
    order = list(BigLoss)
    return dict(sorted(minutes.items(), key=lambda item: (-item[1], order.index(item[0]))))
