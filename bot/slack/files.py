"""File uploads: the digest's chart into its thread, and export CSV files to whoever asked."""

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy.orm import Session, sessionmaker

from bot.slack.ledger import PostOutcome, deliver_once

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Upload:
    """One file as Slack shows it: its name, its title and (made only when it is sent) its bytes."""

    filename: str
    title: str
    content: Callable[[], bytes]


def upload_once(
    *,
    client: WebClient,
    session_factory: sessionmaker[Session],
    key: tuple[str, str, str],
    channel: str,
    thread_ts: str,
    upload: Upload,
) -> PostOutcome:
    """Upload into a thread once per ledger ``key``; the ledger records the file id as the ts."""

    def send() -> str:
        response = client.files_upload_v2(
            channel=channel,
            thread_ts=thread_ts,
            file=upload.content(),
            filename=upload.filename,
            title=upload.title,
        )
        return str(response["file"]["id"])

    return deliver_once(session_factory, key, channel=channel, send=send)


class TextFile(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def content(self) -> str: ...


def send_files_by_dm(
    client: WebClient, *, user_id: str, files: Sequence[TextFile], comment: str
) -> str | None:
    """DM ``files`` to ``user_id``; why Slack did not take them (to tell the person), else None.

    ``files_upload_v2`` needs a channel id, hence the ``conversations.open`` first.
    """
    try:
        dm = client.conversations_open(users=user_id)
        client.files_upload_v2(
            channel=dm["channel"]["id"],
            initial_comment=comment,
            file_uploads=[
                {"content": file.content, "filename": file.name, "title": file.name}
                for file in files
            ],
        )
    except SlackApiError as error:
        logger.exception("files for %s not delivered", user_id)
        return f"Slack answered {error.response.get('error') or error.response.status_code}"
    except (SlackClientError, OSError):
        logger.exception("files for %s not delivered", user_id)
        return "Slack could not be reached"
    return None
