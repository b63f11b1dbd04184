"""Every Slack id prodbot sends or listens for, in one place."""

from enum import StrEnum


class Command(StrEnum):
    OUTPUT = "/output"
    DELAY = "/delay"
    ISSUE = "/issue"
    PROD = "/prod"


class ActionId(StrEnum):
    CONFIRM_OUTPUT = "output_confirm"
    DISCARD_OUTPUT = "output_discard"
    ACKNOWLEDGE_ISSUE = "issue_acknowledge"
    RESOLVE_ISSUE = "issue_resolve"
    RESOLUTION_NOTE = "issue_resolution_note"
    OPEN_OUTPUT_FORM = "open_output_form"
    OPEN_DELAY_FORM = "open_delay_form"
    OPEN_ISSUE_FORM = "open_issue_form"
    ACKNOWLEDGE_HANDOVER = "handover_acknowledge"
    # One per reason button of a stop prompt: ``machine_stop_reason:<n>`` (unique in a block).
    MACHINE_STOP_REASON = "machine_stop_reason"
    MACHINE_STOP_OTHER = "machine_stop_other"


class CallbackId(StrEnum):
    """Modal views."""

    RESOLVE_ISSUE = "issue_resolve_modal"
    OUTPUT_FORM = "output_form"
    DELAY_FORM = "delay_form"
    ISSUE_FORM = "issue_form"
    MACHINE_STOP_FORM = "machine_stop_form"


class BlockId(StrEnum):
    """Input blocks of the modals; each input's action id is its block id."""

    RESOLUTION_NOTE = "issue_resolution_note"
    LINE = "line"
    GOOD = "good"
    SCRAP = "scrap"
    SHIFT = "shift"
    DATE = "date"
    DURATION = "duration"
    REASON = "reason"
    SEVERITY = "severity"
    CATEGORY = "category"
    TEXT = "text"
    NOTE = "note"
    CONFIRM = "confirm"
    STOP_REASON = "machine_stop_reason_select"
    STOP_NOTE = "machine_stop_note"
