"""The export files written by PostgreSQL itself: ``COPY (SELECT …) TO STDOUT (FORMAT csv)``.

The same bytes as the Python writer in ``bot.transfer.export`` for the same rows, at a fraction
of the cost: every conversion the writer does is done in SQL.

- Text (``TEXT_COLUMNS``) is neutralised as ``bot.transfer.cells.neutralise`` does: a ``'`` in
  front of a text that is any number of quotes followed by a trigger character.
- An empty text becomes NULL: Python's ``csv`` writes ``""`` and ``None`` both as an empty cell,
  where COPY would write ``""`` for an empty string.
- Instants are written as ``datetime.isoformat()`` writes them in the site's zone: microseconds
  only when not zero, the offset ``+HH:MM`` with ``:SS`` only when it has seconds.
- Display names come from ``names`` passed as one JSON object (user id → name).
- An issue's status marks are the first event of each status (by time, then id), a lateral join.
- COPY quotes exactly the cells Python's ``QUOTE_MINIMAL`` quotes (a delimiter, a quote, CR or
  LF) but ends each row with LF, not CRLF: the LFs outside quoted cells are made CRLF as the
  blocks stream through (a quoted cell keeps its own line breaks as they were).
"""

import codecs
import json
from collections.abc import Collection, Iterator, Mapping
from datetime import date, timedelta
from typing import TextIO

from sqlalchemy.orm import Session

from bot.transfer.cells import QUOTE, TRIGGERS

# Bytes gathered from COPY's rows before they are converted and written.
BLOCK_BYTES = 1 << 16
# Production dates one COPY statement covers: each statement stays well inside the database's
# statement timeout (``DB_STATEMENT_TIMEOUT_MS``) however long the range (a week of a 20-site
# group is about a second), and the timeout still guards every one of them.
CHUNK_DAYS = 7

TABLES = {"entries": "output_entries", "delays": "delay_entries", "issues": "issues"}
MARK_STATUSES = {"ack": "acknowledged", "res": "resolved"}


def _literal(text: str) -> str:
    """``text`` as an SQL string constant (standard conforming: only quotes doubled)."""
    return "'" + text.replace("'", "''") + "'"


_TRIGGERS_SQL = ", ".join(_literal(trigger) for trigger in TRIGGERS)


def _neutralised(value: str) -> str:
    """SQL for ``neutralise(value)``, NULL for NULL or an empty text."""
    return (
        f"CASE WHEN left(ltrim({value}, {_literal(QUOTE)}), 1) IN ({_TRIGGERS_SQL}) "
        f"THEN {_literal(QUOTE)} || {value} ELSE NULLIF({value}, '') END"
    )


def _instant(value: str) -> str:
    """SQL for ``value.astimezone(site zone).isoformat()``, NULL for NULL."""
    local = f"({value} AT TIME ZONE s.timezone)"
    offset = f"({local} - ({value} AT TIME ZONE 'UTC'))"
    size = f"greatest({offset}, -{offset})"
    return (
        f"to_char({local}, 'YYYY-MM-DD\"T\"HH24:MI:SS')"
        f" || CASE WHEN date_trunc('second', {value}) <> {value}"
        f" THEN to_char({local}, '.US') ELSE '' END"
        f" || CASE WHEN {offset} < interval '0' THEN '-' ELSE '+' END"
        f" || to_char({size}, 'HH24:MI')"
        f" || CASE WHEN extract(second FROM {offset}) <> 0 THEN to_char({size}, ':SS') ELSE '' END"
    )


def _named(person: str) -> str:
    return _neutralised(f"(%(names)s::jsonb ->> {person})")


def _cells(kind: str) -> dict[str, str]:
    """SQL of each of the file's columns, by name."""
    cells = {
        "id": "x.id",
        "site": _neutralised("s.name"),
        "line": _neutralised("l.code"),
        "shift": _neutralised("h.name"),
        "production_date": "to_char(x.production_date, 'YYYY-MM-DD')",
    }
    if kind == "entries":
        cells |= {"good": "x.good", "scrap": "x.scrap"}
        cells["scrap_reason"] = _neutralised("x.scrap_reason")
    elif kind == "delays":
        cells |= {"minutes": "x.minutes", "reason": _neutralised("x.reason")}
    if kind != "issues":
        cells["note"] = _neutralised("x.note")
        for person in ("reported", "voided"):
            cells[f"{person}_by"] = _neutralised(f"x.{person}_by")
            cells[f"{person}_by_name"] = _named(f"x.{person}_by")
            cells[f"{person}_at"] = _instant(f"x.{person}_at")
        cells["void_reason"] = _neutralised("x.void_reason")
        return cells
    cells |= {"severity": "x.severity", "category": "x.category", "status": "x.status"}
    cells["text"] = _neutralised("x.text")
    cells["raised_by"] = _neutralised("x.raised_by")
    cells["raised_by_name"] = _named("x.raised_by")
    cells["raised_at"] = _instant("x.raised_at")
    for mark, status in (("ack", "acknowledged"), ("res", "resolved")):
        cells[f"{status}_by"] = _neutralised(f'{mark}."by"')
        cells[f"{status}_by_name"] = _named(f'{mark}."by"')
        cells[f"{status}_at"] = _instant(f'{mark}."at"')
    cells["resolution_note"] = _neutralised("res.note")
    return cells


def copy_query(kind: str, columns: tuple[str, ...], *, lines: bool, header: bool = True) -> str:
    """The COPY statement of the ``kind`` file, its cells in ``columns`` order; parameters
    ``date_from``, ``date_to``, ``names`` (JSON) and, when ``lines``, ``lines`` (ids)."""
    cells = _cells(kind)
    select = ",\n  ".join(f'{cells[column]} AS "{column}"' for column in columns)
    marks = "".join(
        f' LEFT JOIN LATERAL (SELECT e."by", e."at", e.note FROM issue_events e'
        f" WHERE e.issue_id = x.id AND e.status = '{status}'"
        f' ORDER BY e."at", e.id LIMIT 1) {mark} ON true'
        for mark, status in MARK_STATUSES.items()
        if kind == "issues"
    )
    where = "x.production_date BETWEEN %(date_from)s::date AND %(date_to)s::date"
    if lines:
        where += " AND x.line_id = ANY(%(lines)s::bigint[])"
    return (
        f"COPY (SELECT\n  {select}\nFROM {TABLES[kind]} x"
        " JOIN lines l ON l.id = x.line_id JOIN sites s ON s.id = l.site_id"
        f" JOIN shifts h ON h.id = x.shift_id{marks}\nWHERE {where}"
        " ORDER BY x.production_date, l.code, x.id"
        f") TO STDOUT WITH (FORMAT csv, HEADER {str(header).lower()})"
    )


class _CrLf:
    """LF row ends made CRLF in COPY's CSV, block by block: a quote toggles whether the bytes
    after it are in a quoted cell (a doubled quote toggles twice), so the state carries over."""

    def __init__(self) -> None:
        self.quoted = False

    def __call__(self, block: bytes) -> bytes:
        if b'"' not in block:
            return block if self.quoted else block.replace(b"\n", b"\r\n")
        parts = block.split(b'"')
        start = 1 if self.quoted else 0
        for index in range(start, len(parts), 2):
            parts[index] = parts[index].replace(b"\n", b"\r\n")
        if len(parts) % 2 == 0:  # an odd number of quotes: the state flips
            self.quoted = not self.quoted
        return b'"'.join(parts)


def copy_csv(
    session: Session,
    kind: str,
    out: TextIO,
    *,
    columns: tuple[str, ...],
    date_from: date,
    date_to: date,
    line_ids: Collection[int] | None,
    names: Mapping[str, str] | None,
) -> int:
    """Write the ``kind`` file to ``out`` as PostgreSQL writes it; the number of rows."""
    params: dict[str, object] = {"names": json.dumps(dict(names or {}))}
    if line_ids is not None:
        params["lines"] = sorted(line_ids)
    connection = session.connection().connection.driver_connection
    assert connection is not None
    decoder = codecs.getincrementaldecoder(connection.info.encoding)()
    crlf = _CrLf()
    rows = 0
    for first, last in _chunks(date_from, date_to):
        query = copy_query(kind, columns, lines=line_ids is not None, header=first == date_from)
        with connection.cursor() as cursor:
            with cursor.copy(query, {**params, "date_from": first, "date_to": last}) as copy:
                block: list[bytes] = []
                size = 0
                for data in copy:
                    block.append(bytes(data))
                    size += len(data)
                    if size >= BLOCK_BYTES:
                        out.write(decoder.decode(crlf(b"".join(block))))
                        block, size = [], 0
                out.write(decoder.decode(crlf(b"".join(block))))
            rows += max(cursor.rowcount, 0)
    out.write(decoder.decode(b"", final=True))
    return rows


def _chunks(date_from: date, date_to: date) -> Iterator[tuple[date, date]]:
    """The range in ``CHUNK_DAYS`` pieces, in order: the file is ordered by production date
    first, so the pieces' rows follow each other as one statement's would."""
    first = date_from
    while first <= date_to:
        last = min(first + timedelta(days=CHUNK_DAYS - 1), date_to)
        yield first, last
        first = last + timedelta(days=1)
