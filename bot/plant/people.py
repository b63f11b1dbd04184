"""Who holds which role, per the plant file: a line's leads and managers, a site's heads, and
which lines are a person's own."""

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import Select, and_, or_, select
from sqlalchemy.orm import QueryableAttribute, Session

from bot.plant.snapshot import LineRef, SiteRef
from models import Line, Person, Role, RoleAssignment

T = TypeVar("T")


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
    own_ids = lines_of_user(
        session, site_id=site.id, user_id=user_id, roles=(Role.LEAD, Role.OPERATOR, Role.MANAGER)
    )
    lines = sorted(site.lines, key=lambda line: line.code_key)
    return UserLines(
        own=[line for line in lines if line.id in own_ids],
        others=[line for line in lines if line.id not in own_ids],
    )


def lines_of_user(
    session: Session, *, site_id: int, user_id: str, roles: Collection[Role]
) -> set[int]:
    """Ids of the lines on which ``user_id`` holds one of ``roles``."""
    query = _assignments_of(site_id, user_id, RoleAssignment.line_id).where(
        RoleAssignment.role.in_(roles), RoleAssignment.line_id.is_not(None)
    )
    return {line_id for line_id in session.scalars(query) if line_id is not None}


def roles_on_line(session: Session, *, site_id: int, line_id: int, user_id: str) -> set[Role]:
    """The roles ``user_id`` holds on the line (a site's head holds none on any one line)."""
    query = _assignments_of(site_id, user_id, RoleAssignment.role)
    return set(session.scalars(query.where(RoleAssignment.line_id == line_id)))


def is_site_head(session: Session, *, site_id: int, user_id: str) -> bool:
    query = _assignments_of(site_id, user_id, RoleAssignment.id).where(
        RoleAssignment.role == Role.HEAD, RoleAssignment.line_id.is_(None)
    )
    return session.scalar(query.limit(1)) is not None


def line_people(session: Session, *, line_id: int, role: Role) -> list[str]:
    """Slack user ids holding ``role`` on the line, in a stable order."""
    return people_by_line(session, line_ids=[line_id], role=role).get(line_id, [])


def people_by_line(
    session: Session, *, line_ids: Collection[int], role: Role
) -> dict[int, list[str]]:
    """``line_people`` of many lines in one query; a line nobody holds ``role`` on is left out."""
    rows = session.execute(
        select(RoleAssignment.line_id, Person.slack_user_id)
        .join(Person, Person.id == RoleAssignment.person_id)
        .where(RoleAssignment.line_id.in_(line_ids), RoleAssignment.role == role)
        .order_by(Person.slack_user_id)
    )
    people: dict[int, list[str]] = defaultdict(list)
    for line_id, user_id in rows:
        if line_id is not None:
            people[line_id].append(user_id)
    return people


def site_heads(session: Session, *, site_id: int) -> list[str]:
    """Slack user ids of the site's heads of production, in a stable order."""
    query = _holders().where(
        Person.site_id == site_id,
        RoleAssignment.role == Role.HEAD,
        RoleAssignment.line_id.is_(None),
    )
    return list(session.scalars(query))


def exportable_line_ids(session: Session, *, user_id: str) -> frozenset[int]:
    """Ids of the lines whose records ``user_id`` may export: every line (retired ones too) of
    each site they head, and the lines they manage. Empty for anyone else."""
    query = (
        select(Line.id)
        .join(Person, Person.site_id == Line.site_id)
        .join(RoleAssignment, RoleAssignment.person_id == Person.id)
        .where(
            Person.slack_user_id == user_id,
            or_(
                and_(RoleAssignment.role == Role.HEAD, RoleAssignment.line_id.is_(None)),
                and_(RoleAssignment.role == Role.MANAGER, RoleAssignment.line_id == Line.id),
            ),
        )
        .distinct()
    )
    return frozenset(session.scalars(query))


def heads_of_users_sites(session: Session, *, user_id: str) -> list[str]:
    """Slack user ids of the heads of production of every site ``user_id`` belongs to (none for
    someone in no plant file), in a stable order."""
    sites = select(Person.site_id).where(Person.slack_user_id == user_id)
    query = _holders().where(
        Person.site_id.in_(sites),
        RoleAssignment.role == Role.HEAD,
        RoleAssignment.line_id.is_(None),
    )
    return list(dict.fromkeys(session.scalars(query)))


def _assignments_of(site_id: int, user_id: str, column: QueryableAttribute[T]) -> Select[T]:
    """``column`` of the role assignments of one person of the site."""
    return (
        select(column)
        .select_from(RoleAssignment)
        .join(Person, Person.id == RoleAssignment.person_id)
        .where(Person.site_id == site_id, Person.slack_user_id == user_id)
    )


def _holders() -> Select[str]:
    """Slack user ids of people by their role assignments, in a stable order."""
    return (
        select(Person.slack_user_id)
        .join(RoleAssignment, RoleAssignment.person_id == Person.id)
        .order_by(Person.slack_user_id)
    )
