"""Slack messages as a terminal shows them: Block Kit and mrkdwn turned into rich renderables.

Close enough to Slack for a person to read what the bot would post; not a Slack client. A block
type it does not know is named rather than dropped, so nothing the bot sends goes unseen.
"""

import re
from collections.abc import Callable
from typing import Any

from rich.console import Group, RenderableType
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

_SPANS = {"bold": "bold", "italic": "italic", "strike": "strike"}
_TOKEN = re.compile(
    r"(?P<pre>```.*?```)"
    r"|(?P<bold>(?<![\w*])\*(?=\S)[^*\n]+?(?<=\S)\*(?![\w*]))"
    r"|(?P<italic>(?<![\w_])_(?=\S)[^_\n]+?(?<=\S)_(?![\w_]))"
    r"|(?P<strike>(?<![\w~])~(?=\S)[^~\n]+?(?<=\S)~(?![\w~]))"
    r"|(?P<code>`[^`\n]+`)"
    r"|(?P<link><[^<>\n]+>)",
    re.DOTALL,
)
BUTTON_STYLES = {"primary": "bold white on green", "danger": "bold white on red"}

Names = Callable[[str], str]


def mrkdwn(source: str, names: Names, style: str = "") -> Text:
    """Slack's bold, italic, strike, code and preformatted spans, and ``<@U…>``, ``<#C…>`` and
    ``<url|label>`` links, with ``names`` turning a user or channel id into ``@name``/``#name``."""
    text = Text(style=style)
    position = 0
    for match in _TOKEN.finditer(source):
        text.append(_unescape(source[position : match.start()]))
        kind, token = match.lastgroup or "", match.group()
        if kind == "pre":
            text.append(_unescape(token[3:-3].strip("\n")), style="cyan")
        elif kind == "code":
            text.append(_unescape(token[1:-1]), style="cyan")
        elif kind == "link":
            text.append(_link(token[1:-1], names), style="bold blue")
        else:
            text.append(mrkdwn(token[1:-1], names, _SPANS[kind]))
        position = match.end()
    text.append(_unescape(source[position:]))
    return text


def _unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _link(inner: str, names: Names) -> str:
    target, _, label = inner.partition("|")
    if target.startswith(("@", "#")):
        return names(target[1:]) if target[1:] else label
    if target.startswith("!"):
        return "@" + (label or target[1:])
    return label or target


def text_object(obj: dict[str, Any] | None, names: Names, style: str = "") -> Text:
    """A Block Kit text object; ``plain_text`` is shown as typed, ``mrkdwn`` formatted."""
    if not obj:
        return Text()
    if obj.get("type") == "plain_text":
        return Text(str(obj.get("text", "")), style=style)
    return mrkdwn(str(obj.get("text", "")), names, style)


def button_row(elements: list[dict[str, Any]], names: Names) -> Text:
    """Buttons as ``[ Save anyway ]``; other interactive elements by their placeholder."""
    row = Text()
    for element in elements:
        if row:
            row.append("  ")
        if element.get("type") == "button":
            label = text_object(element.get("text"), names).plain
            row.append(f"[ {label} ]", style=BUTTON_STYLES.get(element.get("style", ""), "bold"))
        else:
            label = text_object(element.get("placeholder"), names).plain or str(element["type"])
            row.append(f"[ {label} ▾ ]", style="bold")
    return row


def _section(block: dict[str, Any], names: Names) -> RenderableType:
    parts: list[RenderableType] = []
    if block.get("text"):
        parts.append(text_object(block["text"], names))
    fields = block.get("fields") or []
    if fields:
        grid = Table.grid(padding=(0, 4))
        grid.add_column()
        grid.add_column()
        cells = [text_object(field, names) for field in fields]
        for left in range(0, len(cells), 2):
            grid.add_row(*cells[left : left + 2])
        parts.append(grid)
    if block.get("accessory"):
        parts.append(button_row([block["accessory"]], names))
    return Group(*parts)


def render_block(block: dict[str, Any], names: Names) -> RenderableType:
    match block.get("type"):
        case "header":
            return text_object(block.get("text"), names, style="bold")
        case "section":
            return _section(block, names)
        case "context":
            line = Text(style="dim")
            for element in block.get("elements", []):
                if line:
                    line.append("  ")
                line.append(
                    text_object(element, names)
                    if "text" in element
                    else Text(f"[image: {element.get('alt_text', '')}]")
                )
            return line
        case "actions":
            return button_row(block.get("elements", []), names)
        case "divider":
            return Rule(style="dim")
        case "input":
            return _input(block, names)
        case "image":
            title = text_object(block.get("title"), names).plain
            return Text(f"🖼  {title or block.get('alt_text', 'image')}", style="italic")
        case other:
            return Text(f"[{other} block]", style="dim")


def _input(block: dict[str, Any], names: Names) -> RenderableType:
    """A form field: its label (marked optional as Slack does) over an empty box with the hint."""
    label = text_object(block.get("label"), names, style="bold")
    if block.get("optional"):
        label.append(" (optional)", style="dim")
    element = block.get("element") or {}
    hint = text_object(element.get("placeholder"), names).plain or str(element.get("type", ""))
    return Group(label, Text(f"▕ {hint}", style="dim"))


def render_view(view: dict[str, Any], names: Names) -> RenderableType:
    """A modal: its title, its blocks, and the close and submit buttons at the bottom."""
    buttons = [
        {"type": "button", "text": view[key]} | ({"style": "primary"} if key == "submit" else {})
        for key in ("close", "submit")
        if view.get(key)
    ]
    return Group(
        text_object(view.get("title"), names, style="bold"),
        *(render_block(block, names) for block in view.get("blocks") or []),
        button_row(buttons, names),
    )


def render_message(message: dict[str, Any], names: Names) -> RenderableType:
    """The message's blocks, or its ``text`` when it has none (as Slack does)."""
    blocks = message.get("blocks")
    if isinstance(blocks, list) and blocks:
        return Group(*(render_block(block, names) for block in blocks))
    return mrkdwn(str(message.get("text", "")), names)
