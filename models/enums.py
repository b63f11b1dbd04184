"""The fixed vocabularies: roles, issue severities, categories and statuses.

Kept apart from the tables so message builders and input schemas can use them without the ORM.
"""

import enum


class Role(enum.StrEnum):
    LEAD = "lead"
    OPERATOR = "operator"
    MANAGER = "manager"
    HEAD = "head"


class Severity(enum.StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return list(Severity).index(self)


class IssueCategory(enum.StrEnum):
    SAFETY = "safety"
    # A safety event that hurt nobody; counted in the morning review's Safety, never escalated
    # as one.
    NEAR_MISS = "near-miss"
    QUALITY = "quality"
    EQUIPMENT = "equipment"
    MATERIAL = "material"
    PEOPLE = "people"
    OTHER = "other"


class LossCategory(enum.StrEnum):
    """Where a delay reason's minutes go in the loss model (``bot.numbers.oee``).

    Breakdowns, setup and other stops take time from availability; small stops are a performance
    loss, like the reduced speed nobody recorded. The two quality losses come from scrap reasons.
    """

    BREAKDOWNS = "breakdowns"
    SETUP = "setup"
    SMALL_STOPS = "small-stops"
    OTHER_STOPS = "other-stops"


class IssueStatus(enum.StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


class OutboxStatus(enum.StrEnum):
    """Where a message the bot owes Slack stands (``models.outbox``)."""

    PENDING = "pending"  # owed: being sent, or waiting for its next attempt
    SENT = "sent"
    DROPPED = "dropped"  # no longer applies (say, a ping for an issue since acknowledged)
    EXPIRED = "expired"  # not sent in time; logged at WARNING
