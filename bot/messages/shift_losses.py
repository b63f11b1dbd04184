"""How one shift's loss model and its hour-by-hour board read, for the summary and the live board.

Percentages have one decimal (``62.4%``), so the board's last redraw and the summary agree. The
hour-by-hour table is a code block whose rows stay within ``ROW_WIDTH`` characters, the width a
phone shows without wrapping.
"""

from datetime import date

from bot.messages.format import escape, minutes, rate
from bot.numbers.hourly import HourRow, repeated_hours
from bot.numbers.loss_model import BigLoss, Losses

ROW_WIDTH = 60
NO_PLAN = "—"


def oee_line(losses: Losses) -> str:
    """``OEE 62.4% · A 91.0% · P 78.2% · Q 87.7%``; without an ideal rate there is no
    performance, so ``Availability 91.0% · Quality 98.2%``."""
    if losses.ideal_rate is None:
        return f"Availability {rate(losses.availability)} · Quality {rate(losses.quality)}"
    return f"OEE {oee_parts(losses)}"


def oee_parts(losses: Losses) -> str:
    """``62.4% · A 91.0% · P 78.2% · Q 87.7%``."""
    return (
        f"{rate(losses.oee)} · A {rate(losses.availability)} · "
        f"P {rate(losses.performance)} · Q {rate(losses.quality)}"
    )


def loss_notes(losses: Losses) -> str | None:
    """``biggest loss: Breakdowns 45 min · unrecorded loss 23 min``; each part only when there
    is such a loss (unrecorded loss only with an ideal rate), None when neither."""
    notes = []
    biggest = losses.biggest_loss
    if biggest is not None:
        loss, lost = biggest
        notes.append(f"biggest loss: {escape(loss)} {minutes(round(lost))}")
    unrecorded = round(losses.unrecorded_minutes or 0)
    # When unrecorded loss is the biggest, it is named once.
    if unrecorded > 0 and (biggest is None or biggest[0] is not BigLoss.REDUCED_SPEED):
        notes.append(f"unrecorded loss {minutes(unrecorded)}")
    return " · ".join(notes) or None


def hour_table(rows: list[HourRow]) -> list[str]:
    """The rows of the hour-by-hour table, a header first: local hour, planned, actual and the
    cumulative gap. An hour a daylight-saving night repeats carries its UTC offset."""
    repeated = repeated_hours(rows)
    labels = [_hour_label(row, repeated) for row in rows]
    cells = [
        (
            label,
            NO_PLAN if row.planned is None else f"{row.planned:,}",
            f"{row.actual:,}",
            NO_PLAN if row.gap is None else f"{row.gap:+,}" if row.gap else "0",
        )
        for label, row in zip(labels, rows, strict=True)
    ]
    header = ("hour", "plan", "actual", "gap")
    widths = [max(len(cell[i]) for cell in [header, *cells]) for i in range(4)]
    return [
        "  ".join(
            [hour.ljust(widths[0])]
            + [text.rjust(width) for text, width in zip(rest, widths[1:], strict=True)]
        )
        for hour, *rest in [header, *cells]
    ]


def _hour_label(row: HourRow, repeated: set[tuple[date, int, int]]) -> str:
    start = row.start
    label = f"{start:%H:%M}"
    if (start.date(), start.hour, start.minute) not in repeated:
        return label
    offset = start.utcoffset()
    total = int(offset.total_seconds() // 60) if offset is not None else 0
    hours, rest = divmod(abs(total), 60)
    sign = "+" if total >= 0 else "-"
    return f"{label} UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")
