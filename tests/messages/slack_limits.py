"""Slack's block and text limits, checked on a built payload: ``assert_within_slack_limits``.

The numbers are Slack's documented ones (Block Kit reference, ``chat.postMessage``, ``views.*``).
A message's top-level ``text`` is held to 4,000 characters, the size Slack recommends for
notification text (it truncates at 40,000). Every text object must also be non-empty.
"""

from collections.abc import Mapping, Sequence
from typing import Any

from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100  # a modal or the App Home tab
MESSAGE_TEXT = 4000
ID = 255  # action_id, block_id, callback_id
SECTION_TEXT = 3000
SECTION_FIELDS = 10
FIELD_TEXT = 2000
HEADER_TEXT = 150
CONTEXT_ELEMENTS = 10
CONTEXT_TEXT = 3000
ACTIONS_ELEMENTS = 25
BUTTON_TEXT = 75
BUTTON_VALUE = 2000
BUTTON_URL = 3000
OPTION_TEXT = 75
OPTION_VALUE = 150
OPTION_DESCRIPTION = 75
SELECT_OPTIONS = 100
CHECKBOX_OPTIONS = 10
PLACEHOLDER = 150
INPUT_LABEL = 2000
INPUT_HINT = 2000
INPUT_MAX_LENGTH = 3000
VIEW_TITLE = 24  # title, submit, close
PRIVATE_METADATA = 3000

Payload = View | Mapping[str, Any] | Sequence[Block | Mapping[str, Any]]


def assert_within_slack_limits(message_or_view: Payload) -> None:
    """Fail on the first limit ``message_or_view`` breaks.

    It is a ``View`` or its dict (``type`` ``modal`` or ``home``), a message dict with
    ``blocks`` and/or ``text``, or a message's blocks alone (``Block`` objects or dicts).
    """
    payload = _as_dict(message_or_view)
    if payload.get("type") in ("modal", "home"):
        _check_view(payload)
        return
    blocks = payload.get("blocks") or []
    assert len(blocks) <= MESSAGE_BLOCKS, f"{len(blocks)} blocks in a message"
    if "text" in payload:
        text = payload["text"]
        assert text, "a message's text is empty"
        assert len(text) <= MESSAGE_TEXT, f"message text of {len(text)} characters"
    for block in blocks:
        _check_block(block)


def _as_dict(payload: Payload) -> dict[str, Any]:
    if isinstance(payload, View):
        return payload.to_dict()
    if isinstance(payload, Mapping):
        result = dict(payload)
        if "blocks" in result:
            result["blocks"] = _blocks(result["blocks"])
        return result
    return {"blocks": _blocks(payload)}


def _blocks(blocks: Sequence[Block | Mapping[str, Any]]) -> list[dict[str, Any]]:
    return [block.to_dict() if isinstance(block, Block) else dict(block) for block in blocks]


def _check_view(view: dict[str, Any]) -> None:
    blocks = _blocks(view.get("blocks") or [])
    assert len(blocks) <= VIEW_BLOCKS, f"{len(blocks)} blocks in a {view['type']} view"
    for key in ("title", "submit", "close"):
        if key in view:
            _text(view[key], VIEW_TITLE, f"view {key}", plain=True)
    assert len(view.get("private_metadata", "")) <= PRIVATE_METADATA, "private_metadata"
    _id(view.get("callback_id"), "callback_id")
    for block in blocks:
        _check_block(block)


def _check_block(block: dict[str, Any]) -> None:
    kind = block["type"]
    _id(block.get("block_id"), "block_id")
    if kind == "section":
        assert "text" in block or "fields" in block, "a section without text or fields"
        if "text" in block:
            _text(block["text"], SECTION_TEXT, "section text")
        fields = block.get("fields") or []
        assert len(fields) <= SECTION_FIELDS, f"{len(fields)} fields in a section"
        for field in fields:
            _text(field, FIELD_TEXT, "section field")
        if "accessory" in block:
            _check_element(block["accessory"])
    elif kind == "header":
        _text(block["text"], HEADER_TEXT, "header", plain=True)
    elif kind == "context":
        elements = block["elements"]
        assert 0 < len(elements) <= CONTEXT_ELEMENTS, f"{len(elements)} context elements"
        for element in elements:
            if element["type"] in ("mrkdwn", "plain_text"):
                _text(element, CONTEXT_TEXT, "context element")
    elif kind == "actions":
        elements = block["elements"]
        assert 0 < len(elements) <= ACTIONS_ELEMENTS, f"{len(elements)} actions elements"
        for element in elements:
            _check_element(element)
    elif kind == "input":
        _text(block["label"], INPUT_LABEL, "input label", plain=True)
        if "hint" in block:
            _text(block["hint"], INPUT_HINT, "input hint", plain=True)
        _check_element(block["element"])
    else:
        assert kind in ("divider", "image"), f"unchecked block type {kind}"


def _check_element(element: dict[str, Any]) -> None:
    kind = element["type"]
    _id(element.get("action_id"), "action_id")
    if "placeholder" in element:
        _text(element["placeholder"], PLACEHOLDER, f"{kind} placeholder", plain=True)
    if kind == "button":
        _text(element["text"], BUTTON_TEXT, "button text", plain=True)
        assert len(element.get("value", "")) <= BUTTON_VALUE, "button value"
        assert len(element.get("url", "")) <= BUTTON_URL, "button url"
    elif kind in ("static_select", "checkboxes", "radio_buttons", "overflow"):
        options = element.get("options") or []
        groups = element.get("option_groups") or []
        most = CHECKBOX_OPTIONS if kind == "checkboxes" else SELECT_OPTIONS
        assert len(options) <= most, f"{len(options)} options in a {kind}"
        assert len(groups) <= SELECT_OPTIONS, f"{len(groups)} option groups"
        for group in groups:
            assert len(group["options"]) <= SELECT_OPTIONS, "options in a group"
            options = [*options, *group["options"]]
        values = [option["value"] for option in options]
        assert len(set(values)) == len(values), f"repeated option values in a {kind}"
        for option in options:
            _option(option)
        if "initial_option" in element:
            assert element["initial_option"] in options, "initial_option is not an option"
    elif kind == "plain_text_input":
        most = element.get("max_length", INPUT_MAX_LENGTH)
        assert most <= INPUT_MAX_LENGTH, "plain_text_input max_length"
        assert len(element.get("initial_value", "")) <= most, "initial_value"
    else:
        assert kind in ("datepicker", "timepicker", "image"), f"unchecked element {kind}"


def _option(option: dict[str, Any]) -> None:
    _text(option["text"], OPTION_TEXT, "option text")
    assert 0 < len(option["value"]) <= OPTION_VALUE, f"option value of {len(option['value'])}"
    if "description" in option:
        _text(option["description"], OPTION_DESCRIPTION, "option description")


def _text(obj: dict[str, Any], limit: int, what: str, *, plain: bool = False) -> None:
    assert obj["type"] in (("plain_text",) if plain else ("plain_text", "mrkdwn")), what
    text = obj["text"]
    assert text, f"{what} is empty"
    assert len(text) <= limit, f"{what} of {len(text)} characters (limit {limit})"


def _id(value: str | None, what: str) -> None:
    assert value is None or 0 < len(value) <= ID, f"{what} of {len(value or '')} characters"
