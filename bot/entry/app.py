"""Building the Bolt app. Nothing creates a global app: entry points call ``create_app``."""

import logging
from collections.abc import Callable

from slack_bolt import App, BoltContext
from slack_sdk import WebClient
from sqlalchemy.orm import Session, sessionmaker

import handlers
from bot.plant.snapshot import PlantCache
from bot.settings import Settings
from bot.slack.board_publisher import BoardPublisher
from bot.slack.client import make_web_client
from bot.slack.exports import ExportSender
from bot.slack.outbox import Outbox
from handlers import machine_stop_actions


def create_app(
    *,
    settings: Settings,
    session_factory: sessionmaker[Session],
    client: WebClient | None = None,
    boards: BoardPublisher | None = None,
    exports: ExportSender | None = None,
    socket_mode: bool = False,
) -> App:
    """The Bolt app with every listener registered.

    HTTP mode verifies Slack's request signatures with ``SLACK_SIGNING_SECRET``; Socket Mode
    needs no signing secret. Listeners receive the session factory as ``db``, the board
    publisher as ``boards``, the export sender as ``exports``, the sender of owed messages as
    ``outbox`` and the cached plant structure as ``plant``.
    """
    signing_secret = (
        None if socket_mode else settings.require("slack_signing_secret")["slack_signing_secret"]
    )
    client = client or make_web_client(settings)
    app = App(
        # Named, or Bolt names it after its caller's file through inspect.stack(), which reads
        # the source of every frame on the stack (80 ms a test under pytest).
        name="prodbot",
        client=client,
        signing_secret=signing_secret,
        request_verification_enabled=not socket_mode,
        # The token's workspace is read with auth.test on the first request and cached, so the
        # app starts while Slack is unreachable (handlers/workspace.py compares it).
        token_verification_enabled=False,
        process_before_response=False,
        logger=logging.getLogger("prodbot.bolt"),
    )
    app.use(
        _provide(
            db=session_factory,
            boards=boards or BoardPublisher(client=client, session_factory=session_factory),
            outbox=Outbox(client=client, session_factory=session_factory),
            exports=exports or ExportSender(client=client, session_factory=session_factory),
            plant=PlantCache(),
        )
    )
    handlers.register(app)
    machine_stop_actions.register(app)
    return app


def _provide(**services: object) -> Callable[[BoltContext, Callable[[], None]], None]:
    """Middleware handing ``services`` to listeners by name (``db``, ``boards``)."""

    def provide(context: BoltContext, next: Callable[[], None]) -> None:
        context.update(services)
        next()

    return provide
