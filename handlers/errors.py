"""The one error handler: domain problems become ephemeral answers, crashes get logged.

A problem raised before the request was acknowledged is answered in the acknowledgement itself
(nothing was written: the unit of work rolled back). After the acknowledgement, the answer goes
through ``respond``.

Problems are plain text and may quote what someone typed. An ephemeral message is mrkdwn, so
there the problem is escaped (``replies.mrkdwn_problem``); a modal's field error is plain text
and shown as it is. A button value or form state prodbot did not write (``PayloadError``) gets
its own answer, never "Something went wrong".
"""

import json
import logging
from typing import Any

from slack_bolt import App, BoltResponse, Respond
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from bot.errors import ProdbotError
from bot.messages.format import cut_plain
from bot.messages.replies import build_implausible_blocks, confirm_value, problem_text
from bot.records.plausibility import ImplausibleQuantity
from bot.slack.responses import respond_ephemeral
from models.payloads import PayloadError
from models.schemas import UsageError

logger = logging.getLogger(__name__)

DATABASE_DOWN = (
    "⚠️ The production database is not answering, so nothing was saved. "
    "Please try again in a minute."
)
CRASHED = "⚠️ Something went wrong on our side and nothing was saved. Please try again."


def register(app: App) -> None:
    app.error(handle_error)


def handle_error(
    error: Exception, body: dict[str, Any], respond: Respond, response: BoltResponse | None
) -> BoltResponse | None:
    acknowledged = response is None
    block_dicts: list[dict[str, Any]] | None = None
    problem: tuple[str, str | None] | None = None  # (plain text, usage line) to render
    match error:
        case ImplausibleQuantity():
            problem = (error.message, None)
            value = confirm_value(error.command.model_dump_json(), error.request_key)
            block_dicts = [b.to_dict() for b in build_implausible_blocks(error.message, value)]
        case UsageError():
            problem = (error.problem, error.usage)
        case ProdbotError():
            problem = (error.message, error.usage)
        case PayloadError():
            logger.warning("refused a button value or form state: %s", error.problem)
            problem = (error.problem, None)
        case OperationalError() | PoolTimeout():
            logger.exception("database unavailable", exc_info=error)
            text = DATABASE_DOWN
        case _:
            logger.exception("unhandled error in a listener", exc_info=error)
            if acknowledged:
                return None
            text = CRASHED
    if problem is not None:
        text = problem_text(*problem, typed=_typed(body))
    match body.get("type"):
        case "view_submission":
            plain = problem_text(*problem, mrkdwn=False) if problem is not None else text
            return _form_errors(body, plain)
        case "block_actions":
            # Slack ignores what a button press's HTTP answer says; the person is told through
            # the action's response_url, and the press is acknowledged.
            respond_ephemeral(respond, text=text, blocks=block_dicts)
            return None if acknowledged else BoltResponse(status=200, body="")
        case "event_callback":
            return None  # nobody to answer; the problem is logged above or harmless
    if acknowledged:
        respond_ephemeral(respond, text=text, blocks=block_dicts)
        return None
    message: dict[str, Any] = {"response_type": "ephemeral", "text": text}
    if block_dicts:
        message["blocks"] = block_dicts
    return BoltResponse(
        status=200, body=json.dumps(message), headers={"content-type": "application/json"}
    )


def _typed(body: dict[str, Any]) -> str:
    """Everything the person sent that an error may quote: a command's text, a button's value,
    a form's inputs and state (see ``replies.mrkdwn_problem``)."""
    parts: list[object] = [body.get("text"), body.get("actions")]
    view = body.get("view")
    if isinstance(view, dict):
        parts += [view.get("private_metadata"), view.get("state")]
    return json.dumps(parts, ensure_ascii=False, default=str)


def _form_errors(body: dict[str, Any], text: str) -> BoltResponse:
    """A modal shows problems on its fields: put this one on the form's first input."""
    blocks = (body.get("view") or {}).get("blocks") or []
    inputs = [b["block_id"] for b in blocks if b.get("type") == "input" and "block_id" in b]
    answer: dict[str, Any] = (
        {"response_action": "errors", "errors": {inputs[0]: cut_plain(text, 150)}}
        if inputs
        else {"response_action": "clear"}
    )
    return BoltResponse(
        status=200, body=json.dumps(answer), headers={"content-type": "application/json"}
    )
