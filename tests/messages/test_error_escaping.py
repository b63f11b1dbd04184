"""Problems quoting what someone typed: escaped in an ephemeral answer (mrkdwn), shown as typed
in a modal's field error (plain text), and the bot's own mentions in a refusal still mention
(``bot/messages/replies.py``: ``mrkdwn_problem``, ``problem_text``; ``handlers/errors.py``)."""

import json
from typing import Any

import pytest
from slack_bolt import BoltResponse

from bot.errors import NotAllowed, NotFound
from bot.messages.replies import build_implausible_blocks, mrkdwn_problem, problem_text
from handlers.errors import handle_error
from models.payloads import PayloadError
from models.schemas import UsageError

TYPED = "There is no shift '<!channel> & <https://x.test|here>' at Riverside."


def test_a_problem_is_escaped_for_mrkdwn() -> None:
    assert mrkdwn_problem(TYPED) == (
        "There is no shift '&lt;!channel&gt; &amp; &lt;https://x.test|here&gt;' at Riverside."
    )


def test_formatting_the_bot_wrote_stays() -> None:
    problem = "With `date`, also name the shift, e.g. `shift A`; *or* _leave it_."
    assert mrkdwn_problem(problem) == problem


def test_the_bots_mentions_and_channel_links_work_again() -> None:
    problem = "Only L1's leads can report. Ask <@U0LEAD0001> or <@W0MGR0001>; see <#C0LINE0001>."
    assert mrkdwn_problem(problem, typed="L1 120") == problem


def test_a_mention_that_was_typed_stays_text() -> None:
    problem = "There is no shift '<@U0HEAD0001>'. Ask <@U0LEAD0001>."
    typed = "L1 120 shift <@U0HEAD0001>"
    assert mrkdwn_problem(problem, typed=typed) == (
        "There is no shift '&lt;@U0HEAD0001&gt;'. Ask <@U0LEAD0001>."
    )


@pytest.mark.parametrize(
    "markup", ["<!channel>", "<!here>", "<!subteam^S123>", "<@U0LEAD0001|boss>", "<http://x>"]
)
def test_only_bare_user_and_channel_ids_are_restored(markup: str) -> None:
    assert "<" not in mrkdwn_problem(f"'{markup}'")


def test_problem_text_escapes_for_messages_and_not_for_field_errors() -> None:
    usage = "/output [LINE] GOOD"
    assert problem_text(TYPED, usage) == f"⚠️ {mrkdwn_problem(TYPED)}\nUsage: `{usage}`"
    assert problem_text(TYPED, usage, mrkdwn=False) == f"⚠️ {TYPED}\nUsage: `{usage}`"


def test_the_implausible_question_is_escaped() -> None:
    [section, *_] = build_implausible_blocks("900 <b>ottles</b> & more", "{}")
    assert section.to_dict()["text"]["text"].endswith("900 &lt;b&gt;ottles&lt;/b&gt; &amp; more")


# --- the error handler ------------------------------------------------------------------------


class Responder:
    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    def __call__(self, **kwargs: Any) -> None:
        self.sent.append(kwargs)


def handled(error: Exception, body: dict[str, Any]) -> tuple[BoltResponse | None, Responder]:
    respond = Responder()
    response = handle_error(error, body, respond, BoltResponse(status=200, body=""))  # type: ignore[arg-type]
    return response, respond


def test_a_command_answer_is_escaped() -> None:
    body = {"type": None, "text": "<!channel> 120"}
    response, _ = handled(UsageError("unknown line '<!channel>'", "/output …"), body)

    assert response is not None
    assert json.loads(response.body)["text"] == (
        "⚠️ unknown line '&lt;!channel&gt;'\nUsage: `/output …`"
    )


def test_a_form_field_error_is_plain_text() -> None:
    body = {
        "type": "view_submission",
        "view": {"blocks": [{"type": "input", "block_id": "issue_resolution_note"}]},
    }
    response, _ = handled(NotFound("There is no line '<!channel> & co'."), body)

    assert response is not None
    assert json.loads(response.body) == {
        "response_action": "errors",
        "errors": {"issue_resolution_note": "⚠️ There is no line '<!channel> & co'."},
    }


def test_a_button_answer_is_escaped_and_keeps_the_bots_mentions() -> None:
    body = {"type": "block_actions", "actions": [{"value": "<@U0HEAD0001>"}]}
    refusal = NotAllowed("Nope for '<@U0HEAD0001>'. Ask <@U0LEAD0001>.")
    response, respond = handled(refusal, body)

    assert response is not None and response.status == 200
    [sent] = respond.sent
    assert sent["text"] == "⚠️ Nope for '&lt;@U0HEAD0001&gt;'. Ask <@U0LEAD0001>."


def test_a_payload_prodbot_did_not_write_gets_its_own_answer() -> None:
    body = {"type": "block_actions", "actions": [{"value": "{"}]}
    _, respond = handled(PayloadError("This button is not ours."), body)

    [sent] = respond.sent
    assert sent["text"] == "⚠️ This button is not ours."
    assert sent["response_type"] == "ephemeral"
