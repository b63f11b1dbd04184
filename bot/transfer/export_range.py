"""How many production dates one export may cover: a year, so one request cannot make the
database and a web worker read the whole history at once."""

from datetime import date

from bot.errors import ProdbotError

MAX_EXPORT_DAYS = 366


class ExportRangeError(ProdbotError):
    """The dates asked for are in the wrong order, or span more than ``MAX_EXPORT_DAYS``."""


def check_export_range(date_from: date, date_to: date) -> None:
    """Raise ExportRangeError unless ``date_from``..``date_to`` is at most ``MAX_EXPORT_DAYS``
    production dates, in order."""
    if date_from > date_to:
        raise ExportRangeError(f"The first date {date_from} is after the last date {date_to}.")
    days = (date_to - date_from).days + 1
    if days > MAX_EXPORT_DAYS:
        raise ExportRangeError(
            f"An export covers at most {MAX_EXPORT_DAYS} days, and {date_from} to {date_to} is "
            f"{days}. Ask for a shorter range, one year at a time."
        )
