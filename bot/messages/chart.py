"""The digest's one picture: each line's attainment and OEE as bars against a 100% target, a PNG.

Drawn with Pillow on a plain image, every mark placed in pixels by this module: no global state,
so it is safe in a scheduler's threads, and quick to import and to draw (matplotlib, used before,
took most of a second to import and a third of one for each chart). Every text goes through
``_Canvas.text`` and every bar through ``_Canvas.bar``, which record what they drew, where and
how large: the tests check the picture against that record and against its pixels.

Made for a phone: one row of two bars per line, 6.4 inches wide at 150 dpi (960 pixels), so every
text, at ``MIN_FONT_PT`` or more, is still 8 points when Slack shows the picture 375 points wide.
Beyond ``MAX_LINES_SHOWN`` lines the picture would no longer fit a phone's screen by its width: it
shows the lines of lowest attainment and a note says what is left out, as the digest's table does.
Every value label is written by ``chart_labels``, with the formatters the digest text uses.

Text is set in DejaVu Sans, shipped beside this module (``fonts/``, its licence with it), so a
chart looks the same on every machine: Pillow's built-in font has no "—" and no accented letters.
"""

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from bot.messages.format import cut_plain, percent, plural, rate

WIDTH_INCHES = 6.4
INCHES_PER_LINE = 0.45
DPI = 150
WIDTH = round(WIDTH_INCHES * DPI)  # 960 pixels
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
LABEL_ROOM = 1.25  # the axis runs at least this far past the longest bar, for its label
# Okabe–Ito blue and orange: told apart by colour-blind eyes and in greyscale (dark, light).
ATTAINMENT_COLOUR = "#0072B2"
OEE_COLOUR = "#E69F00"
TARGET_COLOUR = "#333333"
TEXT_COLOUR = "#1A1A1A"
AXIS_COLOUR = "#404040"
GRID_COLOUR = "#E3E3E3"
FONT_FILE = Path(__file__).with_name("fonts") / "DejaVuSans.ttf"

MARGIN = 0.1  # inches round the picture
LEADING = 1.45  # a text's line, in its size
CODE_ROOM = 0.3  # of the width, at most, for the line codes
LABEL_GAP = 3  # points between a bar's end and its label
TICKS = (10, 20, 25, 50, 100, 200, 250, 500, 1000)  # steps of the axis, in percent
MAX_TICKS = 7


def _px(inches_or_points: float, *, points: bool = False) -> float:
    return inches_or_points * DPI / (72 if points else 1)


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
    _draw(lines, site_name=site_name, day=day).image.save(buffer, format="PNG")
    return buffer.getvalue()


@dataclass(frozen=True)
class _Text:
    kind: str  # title, target, code, value, tick, axis, note, legend
    text: str
    box: tuple[int, int, int, int]  # left, top, right, bottom of the ink, in pixels
    size_px: float


@dataclass(frozen=True)
class _Bar:
    colour: str
    box: tuple[int, int, int, int]  # left, top, right, bottom; right == left for no bar


Font = ImageFont.FreeTypeFont


def _fonts() -> dict[float, Font]:
    """One render's fonts, by size in points: FreeType faces are not shared between threads."""
    return {
        pt: ImageFont.truetype(str(FONT_FILE), _px(pt, points=True))
        for pt in (LABEL_PT, TEXT_PT, TITLE_PT)
    }


class _Canvas:
    """A white picture that records each text and bar it draws, for the tests to check."""

    def __init__(self, height: int, fonts: dict[float, Font]) -> None:
        self.image = Image.new("RGB", (WIDTH, height), "white")
        self.draw = ImageDraw.Draw(self.image)
        self.fonts = fonts
        self.texts: list[_Text] = []
        self.bars: list[_Bar] = []
        self.origin = 0.0  # the x of 0%
        self.scale = 1.0  # pixels per share (1.0 = 100%) along the x axis

    def x(self, share: float) -> float:
        return self.origin + share * self.scale

    def width_of(self, text: str, pt: float) -> float:
        return self.fonts[pt].getlength(text)

    def text(
        self,
        kind: str,
        at: tuple[float, float],
        text: str,
        pt: float,
        *,
        anchor: str = "mm",
        colour: str = TEXT_COLOUR,
        background: str | None = None,
    ) -> None:
        """``text`` at ``at`` by a Pillow anchor: "lm" left middle, "mm" centre, "rm" right."""
        font = self.fonts[pt]
        left, top, right, bottom = (
            round(v) for v in self.draw.textbbox(at, text, font=font, anchor=anchor)
        )
        if background:
            self.draw.rectangle((left - 2, top - 2, right + 2, bottom + 2), fill=background)
        self.draw.text(at, text, font=font, anchor=anchor, fill=colour)
        self.texts.append(_Text(kind, text, (left, top, right, bottom), font.size))

    def bar(self, colour: str, left: float, top: float, right: float, bottom: float) -> None:
        box = (round(left), round(top), round(right), round(bottom))
        if box[2] > box[0]:
            self.draw.rectangle((box[0], box[1], box[2] - 1, box[3] - 1), fill=colour)
        self.bars.append(_Bar(colour, box))

    def line(self, points: Sequence[tuple[float, float]], colour: str, width: int) -> None:
        self.draw.line([(round(x), round(y)) for x, y in points], fill=colour, width=width)


def _fit(canvas: _Canvas, text: str, limit: int, pt: float, room: float) -> str:
    """``text`` cut to ``limit`` characters, and shorter while it is wider than ``room``."""
    while limit > 1 and canvas.width_of(cut_plain(text, limit), pt) > room:
        limit = min(limit, len(text)) - 1
    return cut_plain(text, limit)


def _wrap(text: str, font: Font, room: float) -> list[str]:
    rows: list[str] = []
    for word in text.split(" "):
        if rows and font.getlength(f"{rows[-1]} {word}") <= room:
            rows[-1] = f"{rows[-1]} {word}"
        else:
            rows.append(word)
    return rows


@dataclass(frozen=True)
class _Plot:
    top: float
    bottom: float
    right: float
    row: float  # pixels a line's row takes
    limit: float  # the longest bar, as a share


def _draw(lines: Sequence[ChartLine], *, site_name: str, day: date) -> _Canvas:
    """The chart, top to bottom: title, target label, a row per line, axis, note and legend."""
    shown, note = shown_lines(lines)
    margin = _px(MARGIN)
    label_px, text_px, title_px = (_px(pt, points=True) for pt in (LABEL_PT, TEXT_PT, TITLE_PT))
    fonts = _fonts()
    note_rows = _wrap(note, fonts[LABEL_PT], WIDTH - 2 * margin) if note else []
    top = margin + LEADING * (title_px + label_px) + 0.3 * label_px
    bottom = top + max(len(shown), 1) * _px(INCHES_PER_LINE)
    ticks_at = bottom + 0.35 * label_px + LEADING * label_px / 2
    axis_at = ticks_at + LEADING * (label_px + text_px) / 2
    notes_at = axis_at + LEADING * text_px * 0.8
    legend_at = notes_at + LEADING * label_px * len(note_rows) + (LEADING + 0.3) * text_px / 2
    canvas = _Canvas(round(legend_at + LEADING * text_px / 2 + margin), fonts)

    codes = [_fit(canvas, line.code, CODE_WIDTH, TEXT_PT, CODE_ROOM * WIDTH) for line in shown]
    code_room = max([canvas.width_of(code, TEXT_PT) for code in codes], default=0.0)
    canvas.origin = round(margin + max(code_room, label_px) + 0.6 * text_px)
    shares = [s for line in shown for s in (line.attainment, line.oee) if s is not None]
    plot = _Plot(
        top,
        bottom,
        right=WIDTH - margin - 1.5 * label_px,  # room for half the last tick's label
        row=_px(INCHES_PER_LINE),
        limit=min(max([1.0, *shares]), AXIS_CAP),
    )
    labels = chart_labels(shown)
    _scale(canvas, plot, shown, labels)
    _axis(canvas, plot)
    for row, line in enumerate(shown):
        _bars(canvas, plot, row, line)
    _target(canvas, plot)
    for row, (line, code, pair) in enumerate(zip(shown, codes, labels, strict=True)):
        _labels(canvas, plot, row, line, code, pair)
    target = f"target {percent(1.0)}"
    at = (canvas.x(1.0), top - LEADING * label_px / 2)
    canvas.text("target", at, target, LABEL_PT, colour=TARGET_COLOUR)
    canvas.text("axis", ((canvas.origin + plot.right) / 2, axis_at), "% of target / OEE", TEXT_PT)
    day_text = f" · {day:%a %d %b %Y}"
    room = WIDTH - 2 * margin - canvas.width_of(day_text, TITLE_PT)
    title = _fit(canvas, site_name, TITLE_WIDTH, TITLE_PT, room) + day_text
    canvas.text("title", (WIDTH / 2, margin + LEADING * title_px / 2), title, TITLE_PT)
    for n, text in enumerate(note_rows):
        y = notes_at + LEADING * label_px * (n + 0.5)
        canvas.text("note", (WIDTH / 2, y), text, LABEL_PT, colour=TARGET_COLOUR)
    _legend(canvas, legend_at, text_px)
    return canvas


def _end(share: float | None, plot: _Plot) -> float:
    return min(max(share or 0.0, 0.0), plot.limit)


def _scale(
    canvas: _Canvas, plot: _Plot, shown: list[ChartLine], labels: list[tuple[str, str]]
) -> None:
    """The axis runs past the longest bar by ``LABEL_ROOM``, and further if a label needs it
    (three times as far at most: a label that long is moved back over its bar)."""
    width = plot.right - canvas.origin
    widest = width / (plot.limit * LABEL_ROOM)
    canvas.scale = widest
    gap = _px(LABEL_GAP, points=True)
    for line, pair in zip(shown, labels, strict=True):
        for share, label in zip((line.attainment, line.oee), pair, strict=True):
            if _end(share, plot) > 0:
                room = width - gap - canvas.width_of(label, LABEL_PT) - 4
                canvas.scale = min(canvas.scale, room / _end(share, plot))
    canvas.scale = max(canvas.scale, widest / 3)


def _axis(canvas: _Canvas, plot: _Plot) -> None:
    """Gridlines and ticks every 10, 20, 25, 50 … percent, under the bars."""
    axis_end = (plot.right - canvas.origin) / canvas.scale
    step = next((t for t in TICKS if axis_end * 100 / t < MAX_TICKS), TICKS[-1]) / 100
    label_px = _px(LABEL_PT, points=True)
    for n in range(int(axis_end / step + 1e-9) + 1):
        x = canvas.x(n * step)
        canvas.line([(x, plot.top), (x, plot.bottom)], GRID_COLOUR, 2)
        canvas.line([(x, plot.bottom), (x, plot.bottom + 0.35 * label_px)], AXIS_COLOUR, 2)
        at = (x, plot.bottom + (0.35 + LEADING / 2) * label_px)
        canvas.text("tick", at, f"{n * step * 100:.0f}", LABEL_PT)


def _target(canvas: _Canvas, plot: _Plot) -> None:
    """The axes and the dashed 100% line, over the bars and under their labels."""
    x, dash, y = canvas.x(1.0), _px(4, points=True), plot.top
    while y < plot.bottom:
        canvas.line([(x, y), (x, min(y + dash, plot.bottom))], TARGET_COLOUR, 3)
        y += 1.5 * dash
    canvas.line([(canvas.origin, plot.top), (canvas.origin, plot.bottom)], AXIS_COLOUR, 2)
    canvas.line([(canvas.origin - 1, plot.bottom), (plot.right, plot.bottom)], AXIS_COLOUR, 2)


def _middle(plot: _Plot, row: int) -> float:
    return plot.top + (row + 0.5) * plot.row  # the first line on top


def _bars(canvas: _Canvas, plot: _Plot, row: int, line: ChartLine) -> None:
    """A line's attainment bar above its OEE bar, meeting at the middle of its row."""
    bar_px = BAR_HEIGHT * plot.row
    for which, (share, colour) in enumerate(
        ((line.attainment, ATTAINMENT_COLOUR), (line.oee, OEE_COLOUR))
    ):
        top = _middle(plot, row) + (which - 1) * bar_px
        canvas.bar(colour, canvas.origin, top, canvas.x(_end(share, plot)), top + bar_px)


def _labels(
    canvas: _Canvas, plot: _Plot, row: int, line: ChartLine, code: str, pair: tuple[str, str]
) -> None:
    """A line's code beside its bars and each bar's value at its end, on white."""
    middle, bar_px = _middle(plot, row), BAR_HEIGHT * plot.row
    at = (canvas.origin - 0.4 * _px(TEXT_PT, points=True), middle)
    canvas.text("code", at, code, TEXT_PT, anchor="rm")
    gap = _px(LABEL_GAP, points=True)
    for which, (share, label) in enumerate(zip((line.attainment, line.oee), pair, strict=True)):
        x = canvas.x(_end(share, plot)) + gap
        x = min(x, WIDTH - _px(MARGIN) - canvas.width_of(label, LABEL_PT))
        at = (x, middle + (which - 0.5) * bar_px)
        canvas.text("value", at, label, LABEL_PT, anchor="lm", background="white")


def _legend(canvas: _Canvas, middle: float, text_px: float) -> None:
    swatch, gap, space = 2.0 * text_px, 0.4 * text_px, 1.5 * text_px
    items = [("attainment", ATTAINMENT_COLOUR), ("OEE", OEE_COLOUR)]
    widths = [swatch + gap + canvas.width_of(name, TEXT_PT) for name, _ in items]
    x = (WIDTH - sum(widths) - space) / 2
    for (name, colour), width in zip(items, widths, strict=True):
        half = 0.35 * text_px
        box = (round(x), round(middle - half), round(x + swatch), round(middle + half))
        canvas.draw.rectangle(box, fill=colour)
        canvas.text("legend", (x + swatch + gap, middle), name, TEXT_PT, anchor="lm")
        x += width + space
