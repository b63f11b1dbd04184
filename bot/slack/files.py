"""File uploads: the digest's chart owed into its thread, and export CSV files to whoever asked."""

import base64
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.records.outbox import Owed

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Upload:
    """One file as Slack shows it: its name, its title and (made only when it is owed) its bytes."""

    filename: str
    title: str
    content: Callable[[], bytes]


def owed_upload(
    key: str, *, kind: str, channel: str, thread_of: str, upload: Upload, keep_for: timedelta
) -> Owed:
    """An upload into the thread of the post owed as ``thread_of``, owed under ``key``.

    The file is rendered now and travels in the row (base64); the outbox sends it once its
    parent post has a ``ts`` and records the file id where a post records its ``ts``.
    """
    return Owed(
        key=key,
        kind=kind,
        keep_for=keep_for,
        channel=channel,
        payload={
            "thread_of": thread_of,
            "upload": {
                "content": base64.b64encode(upload.content()).decode("ascii"),
                "filename": upload.filename,
                "title": upload.title,
            },
        },
    )


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
