"""Who holds which role, per the plant file: a line's leads and managers, a site's heads, and
which lines are a person's own."""

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.plant.snapshot import LineRef, SiteRef
from models import Person, Role, RoleAssignment


@dataclass(frozen=True)
class UserLines:
    """A site's active lines split into the user's own and the rest, each ordered by code."""

    own: list[LineRef]
    others: list[LineRef]

    @property
    def ordered(self) -> list[LineRef]:
        """The user's lines first: what a line select offers, so the likely pick is on top."""
        return self.own + self.others


def lines_for_user(session: Session, *, site: SiteRef, user_id: str) -> UserLines:
    own_ids = set(
        session.scalars(
            select(RoleAssignment.line_id)
            .join(Person, Person.id == RoleAssignment.person_id)
            .where(
                Person.site_id == site.id,
                Person.slack_user_id == user_id,
                RoleAssignment.role.in_((Role.LEAD, Role.MANAGER)),
                RoleAssignment.line_id.is_not(None),
            )
        )
    )
    lines = sorted(site.lines, key=lambda line: line.code_key)
    return UserLines(
        own=[line for line in lines if line.id in own_ids],
        others=[line for line in lines if line.id not in own_ids],
    )


def line_people(session: Session, *, line_id: int, role: Role) -> list[str]:
    """Slack user ids holding ``role`` on the line, in a stable order."""
    return list(
        session.scalars(
            select(Person.slack_user_id)
            .join(RoleAssignment, RoleAssignment.person_id == Person.id)
            .where(RoleAssignment.line_id == line_id, RoleAssignment.role == role)
            .order_by(Person.slack_user_id)
        )
    )


def site_heads(session: Session, *, site_id: int) -> list[str]:
    """Slack user ids of the site's heads of production, in a stable order."""
    return list(
        session.scalars(
            select(Person.slack_user_id)
            .join(RoleAssignment, RoleAssignment.person_id == Person.id)
            .where(
                Person.site_id == site_id,
                RoleAssignment.role == Role.HEAD,
                RoleAssignment.line_id.is_(None),
            )
            .order_by(Person.slack_user_id)
        )
    )
