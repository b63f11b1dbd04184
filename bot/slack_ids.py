"""Every Slack id prodbot listens for, in one place."""

from enum import StrEnum


class Command(StrEnum):
    OUTPUT = "/output"
    DELAY = "/delay"
    ISSUE = "/issue"
    PROD = "/prod"


class ActionId(StrEnum):
    CONFIRM_OUTPUT = "output_confirm"
    DISCARD_OUTPUT = "output_discard"
