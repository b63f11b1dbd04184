"""The digest's one picture: each line's attainment and OEE as bars against a 100% target, a PNG.

Drawn on a bare ``Figure`` with the Agg canvas rather than through ``pyplot``, which keeps
global state and is not safe in a scheduler's threads. matplotlib is slow to import: callers
import this module only when they render a chart.

Made for a phone: one row of two bars per line, 6.4 inches wide, so every text, at
``MIN_FONT_PT`` or more, is still 8 points when Slack shows the picture 375 points wide. Beyond
``MAX_LINES_SHOWN`` lines the picture would no longer fit a phone's screen by its width: it shows
the lines of lowest attainment and a note says what is left out, as the digest's table does.
Every value label is written by ``chart_labels``, with the formatters the digest text uses.
"""

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from bot.messages.format import cut_plain, percent, plural, rate

WIDTH_INCHES = 6.4
INCHES_PER_LINE = 0.45
FRAME_INCHES = 1.6  # title, axis, legend
DPI = 150
PHONE_WIDTH = 375  # points a phone shows the picture across
MIN_FONT_PT = 8 * WIDTH_INCHES * 72 / PHONE_WIDTH  # 9.8 pt here is 8 pt on the phone
LABEL_PT = 10.0
TEXT_PT = 11.0
TITLE_PT = 13.0
MAX_LINES_SHOWN = 20
CODE_WIDTH = 16  # characters of a line code shown beside its bars
TITLE_WIDTH = 48  # characters of a site name in the title
BAR_HEIGHT = 0.38  # of a row; two bars per row
AXIS_CAP = 2.5  # a share beyond 250% runs to the edge; its label still tells the value
LABEL_ROOM = 1.25  # the axis runs this far past the longest bar, for its label
# Okabe–Ito blue and orange: told apart by colour-blind eyes and in greyscale (dark, light).
ATTAINMENT_COLOUR = "#0072B2"
OEE_COLOUR = "#E69F00"
TARGET_COLOUR = "#333333"


@dataclass(frozen=True)
class ChartLine:
    code: str
    attainment: float | None  # good (planned shifts) / target, e.g. 0.962; None: no target
    oee: float | None  # 0..1; None: unknown (no ideal rate or not reported)


def chart_labels(lines: Sequence[ChartLine]) -> list[tuple[str, str]]:
    """(attainment, OEE) as the digest text writes them, one pair per line: "—" for None.

    The digest's line table writes attainment with ``percent`` ("96%") and its OEE table writes
    OEE with ``rate`` ("71.3%"): change one here when the text changes."""
    return [(percent(line.attainment), rate(line.oee)) for line in lines]


def shown_lines(lines: Sequence[ChartLine]) -> tuple[list[ChartLine], str | None]:
    """The lines the chart draws, in the caller's order, and a note on those it leaves out:
    at most ``MAX_LINES_SHOWN``, those of lowest attainment (lines without a target last)."""
    if len(lines) <= MAX_LINES_SHOWN:
        return list(lines), None
    ranked = sorted(
        range(len(lines)),
        key=lambda i: (lines[i].attainment is None, lines[i].attainment or 0.0, lines[i].code),
    )
    kept = sorted(ranked[:MAX_LINES_SHOWN])
    hidden = [lines[i] for i in ranked[MAX_LINES_SHOWN:]]
    shares = [line.attainment for line in hidden if line.attainment is not None]
    others = f"the other {len(hidden)}" if len(hidden) > 1 else "the other one"
    if not shares:
        rest = f"{others} have no target" if len(hidden) > 1 else f"{others} has no target"
    elif min(shares) >= 1:
        rest = f"{others} on target"
    else:
        rest = f"{others} at {percent(min(shares))} of target or better"
    shown = f"{len(kept)} of {plural(len(lines), 'line')} shown, those of lowest attainment"
    return [lines[i] for i in kept], f"{shown}; {rest}"


def render_daily_chart(lines: Sequence[ChartLine], *, site_name: str, day: date) -> bytes:
    """Attainment and OEE per line as grouped horizontal bars with their values, PNG bytes."""
    buffer = io.BytesIO()
    _draw(lines, site_name=site_name, day=day).savefig(buffer, format="png")
    return buffer.getvalue()


def _draw(lines: Sequence[ChartLine], *, site_name: str, day: date) -> Figure:
    shown, note = shown_lines(lines)
    rows = max(len(shown), 1)
    figure = Figure(
        figsize=(WIDTH_INCHES, INCHES_PER_LINE * rows + FRAME_INCHES + (0.25 if note else 0)),
        dpi=DPI,
        layout="constrained",
    )
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    shares = [s for line in shown for s in (line.attainment, line.oee) if s is not None]
    limit = min(max([1.0, *shares]), AXIS_CAP)
    labels = chart_labels(shown)
    for offset, colour, name, values, which in (
        (-BAR_HEIGHT / 2, ATTAINMENT_COLOUR, "attainment", [x.attainment for x in shown], 0),
        (BAR_HEIGHT / 2, OEE_COLOUR, "OEE", [x.oee for x in shown], 1),
    ):
        rows_at = [row + offset for row in range(len(shown))]
        ends = [100 * min(max(v or 0.0, 0.0), limit) for v in values]
        axes.barh(rows_at, ends, BAR_HEIGHT, color=colour, label=name)
        for y, end, pair in zip(rows_at, ends, labels, strict=True):
            axes.annotate(
                pair[which],
                (end, y),
                xytext=(3, 0),
                textcoords="offset points",
                va="center",
                fontsize=LABEL_PT,
                parse_math=False,
                bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.5, "alpha": 0.8},
            )
    axes.axvline(100, color=TARGET_COLOUR, linestyle="--", linewidth=1.2)
    axes.text(
        100,
        1.0,
        f"target {percent(1.0)}",
        transform=axes.get_xaxis_transform(),
        ha="center",
        va="bottom",
        fontsize=LABEL_PT,
        color=TARGET_COLOUR,
    )
    axes.set_xlim(0, 100 * limit * LABEL_ROOM)
    axes.set_ylim(rows - 0.5, -0.5)  # the first line on top
    axes.set_yticks(
        range(len(shown)),
        [cut_plain(line.code, CODE_WIDTH) for line in shown],
        fontsize=TEXT_PT,
        parse_math=False,
    )
    axes.tick_params(axis="x", labelsize=LABEL_PT)
    axes.tick_params(axis="y", length=0)
    axes.set_xlabel("% of target / OEE", fontsize=TEXT_PT)
    axes.grid(axis="x", alpha=0.3)
    axes.spines[["top", "right"]].set_visible(False)
    axes.set_title(
        f"{cut_plain(site_name, TITLE_WIDTH)} · {day:%a %d %b %Y}",
        fontsize=TITLE_PT,
        pad=LABEL_PT * 2,  # room for the target's label
        parse_math=False,
    )
    legend = figure.legend(
        loc="outside lower center",
        ncols=2,
        fontsize=TEXT_PT,
        frameon=False,
        title=note,
        title_fontsize=LABEL_PT,
    )
    if note:
        legend.get_title().set_parse_math(False)
    return figure
