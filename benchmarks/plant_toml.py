"""Pieces of the plant files the benchmarks load, written once."""

from collections.abc import Iterable, Sequence

EVERY_DAY = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def shift_tables(shifts: Iterable[tuple[str, str, str]], days: Sequence[str] = EVERY_DAY) -> str:
    """``[[shifts]]`` tables, one per (name, start, end), each running on ``days``."""
    listed = ", ".join(f'"{day}"' for day in days)
    return "".join(
        f'\n[[shifts]]\nname = "{name}"\nstart = "{start}"\nend = "{end}"\ndays = [{listed}]\n'
        for name, start, end in shifts
    )
