"""Which lines are a person's own: those they lead or manage, per the plant file's roles."""

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.plant_snapshot import LineRef, SiteRef
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
