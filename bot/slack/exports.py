"""``/prod export`` off the request path: read the files, name the people, DM them.

The listener answers at once and hands the export here. One worker thread per process builds
the files one export at a time, so a burst of exports neither holds requests open nor crowds
the database; at most ``MAX_QUEUED`` wait, beyond that the caller is asked to try again later.
The worker reads whom the files name in one session, closes it to look the names up in
Slack, then writes the files (streamed from the database) in another. What goes wrong is
told to the caller through the command's ``response_url`` (``respond``, valid 30 minutes).
"""

import logging
import threading
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date

from slack_bolt import Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy.orm import Session, sessionmaker

from bot.messages.replies import export_failed_text
from bot.slack.files import send_files_by_dm
from bot.slack.responses import respond_ephemeral
from bot.transfer.export import export_csv_files, read_export

logger = logging.getLogger(__name__)

MAX_QUEUED = 8
# A users.info answer that will be the same for every other user: stop asking.
LOOKUP_STOPPERS = frozenset(
    {"missing_scope", "not_authed", "invalid_auth", "account_inactive", "token_revoked"}
)


@dataclass(frozen=True)
class ExportJob:
    """One ``/prod export``: whose, which production dates, which lines, where to answer."""

    user_id: str
    date_from: date
    date_to: date
    line_ids: frozenset[int]
    respond: Respond


class ExportSender:
    """Builds and DMs exports on one background thread, one at a time."""

    def __init__(
        self,
        *,
        client: WebClient,
        session_factory: sessionmaker[Session],
        max_queued: int = MAX_QUEUED,
    ) -> None:
        self._client = client
        self._session_factory = session_factory
        self._max_queued = max_queued
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="exports")
        self._condition = threading.Condition()
        self._pending = 0  # queued or running

    def submit(self, job: ExportJob) -> bool:
        """Queue ``job``; False (and nothing queued) when ``max_queued`` already wait."""
        with self._condition:
            if self._pending >= self._max_queued:
                return False
            self._pending += 1
        self._executor.submit(self._run, job)
        return True

    def wait_until_idle(self, timeout: float = 10.0) -> bool:
        """For the demo and tests: block until every queued export is sent or refused."""
        with self._condition:
            return self._condition.wait_for(lambda: self._pending == 0, timeout=timeout)

    def _run(self, job: ExportJob) -> None:
        try:
            try:
                problem = self._send(job)
            except Exception:
                # The worker must outlive a bug in one export, and the caller must hear of it.
                logger.exception("export for %s failed", job.user_id)
                problem = "something went wrong on our side"
            if problem is not None:
                respond_ephemeral(job.respond, text=export_failed_text(problem))
        finally:
            with self._condition:
                self._pending -= 1
                self._condition.notify_all()

    def _send(self, job: ExportJob) -> str | None:
        with self._session_factory() as session:
            scope = read_export(
                session, date_from=job.date_from, date_to=job.date_to, line_ids=job.line_ids
            )
        names = display_names(self._client, scope.people)
        with self._session_factory() as session:
            files = export_csv_files(
                session,
                date_from=job.date_from,
                date_to=job.date_to,
                line_ids=job.line_ids,
                names=names,
            )
        return send_files_by_dm(
            self._client,
            user_id=job.user_id,
            files=files,
            comment=f"prodbot export, production dates {job.date_from} to {job.date_to}",
        )


def display_names(client: WebClient, user_ids: Iterable[str]) -> dict[str, str]:
    """Each user's display name (else their real name) from ``users.info``, one call per user.

    A name Slack does not give is left out, so its cell stays blank: an export is never
    refused for want of a name.
    """
    names: dict[str, str] = {}
    for user_id in sorted(user_ids):
        try:
            user = client.users_info(user=user_id).get("user") or {}
        except SlackApiError as error:
            reason = error.response.get("error")
            logger.warning("no name for %s: users.info answered %s", user_id, reason)
            if reason in LOOKUP_STOPPERS:
                break
            continue
        except (SlackClientError, OSError):
            logger.warning("no names for the export: Slack could not be reached", exc_info=True)
            break
        profile = user.get("profile") or {}
        name = profile.get("display_name") or user.get("real_name") or profile.get("real_name")
        if isinstance(name, str) and name.strip():
            names[user_id] = name.strip()
    return names
