"""The digest's one picture: target against actual per line, as a PNG.

Drawn on a bare ``Figure`` with the Agg canvas rather than through ``pyplot``, which keeps
global state and is not safe in a scheduler's threads.
"""

import io
from collections.abc import Sequence
from datetime import date

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from bot.numbers.digest import LineDay

BAR_WIDTH = 0.4
MIN_WIDTH_INCHES = 6.0
MAX_WIDTH_INCHES = 40.0
INCHES_PER_LINE = 0.5
HEIGHT_INCHES = 4.5
DPI = 100


def render_target_chart(
    lines: Sequence[LineDay], *, site_name: str, day: date, unit: str | None = None
) -> bytes:
    """Grouped bars, target and actual (planned good output) for each line, as PNG bytes.

    In ``unit`` when every line counts in it; else, since units of different lines do not share
    an axis, each line's actual as a percentage of its target against a 100% target.
    """
    width = min(MAX_WIDTH_INCHES, max(MIN_WIDTH_INCHES, INCHES_PER_LINE * len(lines) + 2))
    figure = Figure(figsize=(width, HEIGHT_INCHES), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    positions = list(range(len(lines)))
    axes.bar(
        [p - BAR_WIDTH / 2 for p in positions],
        [(line.target or 0) if unit else 100.0 for line in lines],
        BAR_WIDTH,
        label="target",
        color="#c9ced6",
    )
    axes.bar(
        [p + BAR_WIDTH / 2 for p in positions],
        [line.planned_good if unit else 100 * (line.attainment or 0.0) for line in lines],
        BAR_WIDTH,
        label="actual",
        color="#1f6fb2",
    )
    axes.set_xticks(positions, [line.code for line in lines], rotation=90 if len(lines) > 12 else 0)
    axes.set_ylabel(unit if unit else "% of target")
    axes.set_title(f"{site_name} · {day:%a %d %b %Y} · target vs actual per line")
    axes.legend(loc="upper right")
    axes.grid(axis="y", alpha=0.3)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
