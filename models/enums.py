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
    QUALITY = "quality"
    EQUIPMENT = "equipment"
    MATERIAL = "material"
    PEOPLE = "people"
    OTHER = "other"


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
