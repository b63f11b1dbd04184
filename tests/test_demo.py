"""``prodbot demo`` end to end: the whole story on its own SQLite file, with no Slack at all.

The demo is played once for the whole run (the ``demo`` fixture, ``tests/demo_run.py``), with a
real installation's settings in the environment to prove that none of them leaks in, and every
socket connection recorded to prove that nothing but the local fake was called. Its machine line
(L4) is fed in process; one test plays it again with ``MQTT_URL`` at the local Mosquitto broker
(skipped without one, except under CI, as ``tests/machines`` are).
"""

import json
import re
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from bot.settings import ConfigError
from models import DelayEntry, Line, OutputEntry
from models.machines import MachineStop
from tests.demo_run import DEMO_DATABASE, DemoRun, play_demo
from tests.machines.support import BROKER_HOST, BROKER_PORT, require_broker

LINE_CHANNELS = {"C0LINE1", "C0LINE2", "C0LINE3", "C0LINE4"}
DIGEST_CHANNEL = "C0DIGEST"
MANAGER = "U0MARCO"
HEAD = "U0HANNA"
L4_CHANNEL = "C0LINE4"
SARA = "U0SARA"  # L4's lead on Tuesday's early shift
L4_BOARD = "L4 shift Early · Tue 15 Sep 06:00–14:00: "


def block_texts(message: dict[str, Any]) -> str:
    """Every text of a message's blocks (sections, headers, context), one per line."""
    texts = []
    for block in message.get("blocks") or []:
        texts += [block["text"]["text"]] if block.get("text") else []
        texts += [element["text"] for element in block.get("elements", []) if "text" in element]
    return "\n".join(str(text) for text in texts)


def test_every_line_channel_gets_posts_and_each_message_is_saved_as_json(demo: DemoRun) -> None:
    posted = demo.messages("chat.postMessage")
    assert {m["channel"] for m in posted if "thread_ts" not in m} >= LINE_CHANNELS
    assert (demo.folder / "prodbot-demo.db").stat().st_size > 0
    assert str(demo.folder) in demo.transcript


def test_shift_summaries_are_posted(demo: DemoRun) -> None:
    headers = [
        block["text"]["text"]
        for message in demo.messages()
        for block in message.get("blocks") or []
        if block.get("type") == "header"
    ]
    assert {"L1 shift summary", "L2 shift summary", "L3 shift summary"} <= set(headers)


def test_the_story_goes_through_the_real_commands_and_buttons(demo: DemoRun) -> None:
    transcript = demo.transcript
    assert "@lena in #l2-canning: /issue L2 high seamer 3 leaking" in transcript
    assert "HIGH issue: seamer 3 leaking" in transcript
    assert "Did you mean that?" in transcript
    assert "@jonas presses [ Save anyway ]" in transcript
    assert "Saved +120 good on L1, shift Late" in transcript
    assert "Voided your last output entry on L2" in transcript
    assert "only @marco sees this" in transcript  # /prod status


def test_the_unreported_night_shift_is_chased(demo: DemoRun) -> None:
    assert "⚙ job missing-report" in demo.transcript
    # Only the reminder names the L3 night lead, who never reported.
    assert "@tomasz" in demo.transcript


def test_the_digest_chart_is_written_to_the_output_folder(demo: DemoRun) -> None:
    charts = list((demo.folder / "files").glob("*.png"))
    assert charts
    assert charts[0].read_bytes().startswith(b"\x89PNG")
    assert any(m["channel"] == "C0DIGEST" for m in demo.messages("chat.postMessage"))


def test_nothing_but_the_local_fake_is_called(demo: DemoRun) -> None:
    assert demo.connections
    assert {address[0] for address in demo.connections} == {"127.0.0.1"}
    assert "slack.invalid" not in demo.transcript


def test_the_week_opens_with_last_weeks_review_in_the_digest_channel(demo: DemoRun) -> None:
    assert "Loading the history of the two weeks before" in demo.transcript
    assert "⚙ job weekly-digest" in demo.transcript
    assert "Weekly review · Riverside Bottling" in demo.transcript
    reviews = [
        message
        for message in demo.messages("chat.postMessage")
        if message["text"].startswith("Riverside Bottling week 2026-W37")
    ]
    assert [message["channel"] for message in reviews] == [DIGEST_CHANNEL, HEAD]
    text = block_texts(reviews[0])
    assert "Weekly review · Riverside Bottling" in text
    # Real numbers, from the history loaded before the story: L3's night shift reported
    # once late and once not at all.
    assert "Reported on time 35/37 shifts (95%) · 1 late · 1 missing" in text


def test_the_issue_escalates_until_its_manager_acknowledges_it_on_the_message(
    demo: DemoRun,
) -> None:
    assert "⚙ job escalations" in demo.transcript
    assert "@marco presses [ Acknowledge ] on the L2 issue" in demo.transcript
    assert "#l2-canning, updated in place" in demo.transcript
    assert "👀 Acknowledged by @marco at 17:10" in demo.transcript
    saved = demo.numbered()
    [ping] = [
        number
        for number, message in saved
        if message.get("channel") == MANAGER
        and str(message.get("text")).startswith("🚨 HIGH issue on L2")
    ]
    [acknowledged] = [
        number
        for number, message in demo.numbered("chat.update")
        if "👀 Acknowledged by <@U0MARCO>" in block_texts(message)
        and "issue_acknowledge" not in json.dumps(message)
    ]
    assert ping < acknowledged
    # The acknowledgement came before the heads' deadline: Hannah is never pinged about it.
    assert not any("Escalated to you" in str(message.get("text")) for _, message in saved)


def test_the_issue_is_resolved_through_its_modal_before_the_digest(demo: DemoRun) -> None:
    assert "@ben presses [ Resolve ] on the L2 issue" in demo.transcript
    assert "modal only @ben sees" in demo.transcript
    [resolved] = [
        number
        for number, message in demo.numbered("chat.update")
        if "✅ Resolved by <@U0BEN>" in block_texts(message)
        and "seam checks pass" in block_texts(message)
    ]
    [(digest, message)] = [
        (number, message)
        for number, message in demo.numbered("chat.postMessage")
        if message["channel"] == DIGEST_CHANNEL
        and message["text"].startswith("Riverside Bottling digest for Mon 14 Sep 2026")
    ]
    assert resolved < digest
    assert "resolved 06:11 by <@U0BEN> · now resolved — seamer 3 leaking" in block_texts(message)


def test_the_digest_names_the_unreported_night_and_adds_no_units_of_different_lines(
    demo: DemoRun,
) -> None:
    [message] = [
        message
        for message in demo.messages("chat.postMessage")
        if message["channel"] == DIGEST_CHANNEL
        and message["text"].startswith("Riverside Bottling digest for Mon 14 Sep 2026")
    ]
    texts = block_texts(message)
    assert "*Delivery* · plant 90% of target" in texts and "4,588" not in texts
    assert "*L3* −208 kegs (71%) · shift Night not reported (200 kegs planned)" in texts
    assert "*Cost* · losses €3,003 yesterday" in texts and "L3 0.4% (2 kegs)" in texts
    assert "96% of target at the current run-rate" in str(message["blocks"])
    [summary] = [
        message
        for message in demo.messages("chat.postMessage")
        if message["text"].startswith("L3 shift Night · Mon 14 Sep")
    ]
    assert "ended: not reported, 200 kegs planned" in summary["text"]
    assert "*Attainment*\\nnot reported" in json.dumps(summary["blocks"], ensure_ascii=False)


def _monday_digest(demo: DemoRun) -> str:
    [message] = [
        message
        for message in demo.messages("chat.postMessage")
        if message["channel"] == DIGEST_CHANNEL
        and message["text"].startswith("Riverside Bottling digest for Mon 14 Sep 2026")
    ]
    return block_texts(message)


def test_the_morning_review_walks_the_tier_meeting_with_figures_worked_by_hand(
    demo: DemoRun,
) -> None:
    """Monday's reports went in through the request path; every figure here is worked out from
    the story (bot/demo/story.py) and the plant file (bot/demo/plant.toml)."""
    texts = _monday_digest(demo)
    sections = [
        # Mia's near miss at 19:15; no safety issue in the story or its history.
        "*🟩 Safety*\nNo safety incident · 1 near miss · no safety issue on record",
        # L2 20 scrap / 1,264 made; L1 15 / 2,847; L3 2 / 514. L2's seal scrap 6 + 5 = 11.
        "*Quality* · scrap rate per line\nL2 1.6% (20 trays) · L1 0.5% (15 cases) · L3 0.4% "
        "(2 kegs)\nTop scrap reasons: L2 seal 0.9% (11 trays), L1 other 0.4% (12 cases), "
        "L2 other 0.4% (5 trays)",
        # 4,588 of 5,120 across cases, trays and kegs: only the weighted attainment.
        "*Delivery* · plant 90% of target",
        "• *L3* −208 kegs (71%) · shift Night not reported (200 kegs planned)",
        # L2: 20 × €6.50 + 100 min × €1,500/h = €2,630; L3: 2 × €38 + 15 min × €900/h = €301;
        # L1: 15 × €4.80 = €72. The month: €17,192 in 14 of 30 days → €36,840.
        "*Cost* · losses €3,003 yesterday (L2 €2,630 · L3 €301 · L1 €72.00)\n"
        "Month to date €17,192 of €30,000 budget (57.3%) · on course for €36,840 by 30 Sep: "
        "*€6,840 over budget*",
        # L1 three shifts, L2 two, L3 three; L3's night was never reported.
        "*People* · 7 of 8 planned shifts reported on time (88%)\nNot reported: L3 Night",
        # L1: 3 × 450 planned minutes, no delay; 2,847 made at 150/h = 1,138.8 min; 2,832 good.
        "L1 OEE  83.9%  A 100.0% P  84.4% Q  99.5%\n   biggest loss: Unrecorded / speed 3 h 31",
        # L2: 900 planned, 100 down → 800 run; 1,264 at 120/h = 632 min; 800 − 632 = 168 min.
        "L2 OEE  69.1%  A  88.9% P  79.0% Q  98.4%\n   biggest loss: Unrecorded / speed 2 h 48",
        # L3: early and late only (900 planned), 15 down; 514 at 40/h = 771 min; 885 − 771.
        "L3 OEE  85.3%  A  98.3% P  87.1% Q  99.6%\n   biggest loss: Unrecorded / speed 1 h 54",
        # Raised Monday 16:40 and resolved Tuesday 06:11, before the 07:00 digest.
        "🟠 high · L2 · raised 16:40 by <@U0LENA>, acknowledged 17:10 by <@U0MARCO>, "
        "resolved 06:11 by <@U0BEN> · now resolved",
        "⚪ low near-miss · L3 · raised 19:15 by <@U0MIA> · now open",
        "*Open issues* 1 · oldest first",
    ]
    positions = []
    for section in sections:
        assert section in texts
        positions.append(texts.index(section))
    assert positions == sorted(positions)  # Safety, Quality, Delivery, Cost, People, OEE, issues


def l4_messages(run: DemoRun, method: str = "") -> list[dict[str, Any]]:
    return [message for message in run.messages(method) if message.get("channel") == L4_CHANNEL]


@contextmanager
def demo_database(run: DemoRun) -> Iterator[Session]:
    """The demo's database, read only (the floor screen's test copies it as it was left)."""
    engine = create_engine(f"sqlite:///file:{run.folder / DEMO_DATABASE}?mode=ro&uri=true")
    try:
        with Session(engine) as session:
            yield session
    finally:
        engine.dispose()


def test_the_machine_line_is_counted_on_its_board_with_nobody_typing_a_number(
    demo: DemoRun,
) -> None:
    """L4's filler publishes what it made every five minutes (bot/demo/story.py), 15 cases
    unless said otherwise; Marco planned 1,300 cases for Tuesday's early shift."""
    assert "L4's machine publishes 12 counts on riverside/l4/count" in demo.transcript
    boards = [
        message["text"].removeprefix(L4_BOARD)
        for message in l4_messages(demo)
        if message["text"].startswith(L4_BOARD)
    ]
    # Sara's answer and the stop's end redraw the board at the same count: shown once here.
    counts = [text for index, text in enumerate(boards) if boards[index - 1 : index] != [text]]
    assert counts == [
        "177 / 1,300 cases (14%)",  # 06:05–07:00: 11 × 15 + 12 at start-up (and 3 scrap)
        "357 / 1,300 cases (27%)",  # 07:05–08:00: 12 × 15 = 180
        "483 / 1,300 cases (37%)",  # 08:05–08:40: 8 × 15 = 120, and 6 before it stops at 08:42
        "504 / 1,300 cases (39%)",  # 08:55: 6 since it ran again at 08:53; 09:00: 15
        "683 / 1,300 cases (53%)",  # 09:05–10:00: 11 × 15 + 14 (and 1 scrap); 52.5% rounded
    ]
    last_board = json.dumps(l4_messages(demo, "chat.update")[-1]["blocks"], ensure_ascii=False)
    # 3 + 1 scrap of 687 made: 0.6%, shown as 1%.
    assert "*Scrap*\\n4 (1%)" in last_board and "*Delays*\\n11 min (breakdown 11)" in last_board
    # Machine minutes redraw the board; only a person's entry goes into its thread.
    threads = [message["text"] for message in l4_messages(demo) if message.get("thread_ts")]
    assert len(threads) == 1 and threads[0].startswith("⏱ 8 min breakdown")
    with demo_database(demo) as session:
        rows = session.execute(
            select(
                OutputEntry.source,
                func.count(),
                func.sum(OutputEntry.good),
                func.sum(OutputEntry.scrap),
            )
            .join(Line, Line.id == OutputEntry.line_id)
            .where(Line.code == "L4")
            .group_by(OutputEntry.source)
        ).all()
    # One row per minute a count arrived in: 12 + 12 + (8 + 1) + 2 + 12 = 47.
    assert [tuple(row) for row in rows] == [("machine", 47, 683, 4)]
    assert (BROKER_HOST, BROKER_PORT) not in demo.connections  # in process: no MQTT_URL


def test_a_machine_stop_is_asked_about_answered_with_a_button_and_measured_by_the_machine(
    demo: DemoRun,
) -> None:
    [(asked, prompt)] = [
        (number, message)
        for number, message in demo.numbered("chat.postMessage")
        if message.get("channel") == L4_CHANNEL and message["text"].startswith("L4 stopped")
    ]
    # The filler said "stopped" at 08:42 and nothing more: the machine-stops job asks once the
    # stop is longer than L4's stop_prompt_minutes (5), with the site's reasons as buttons.
    assert prompt["text"] == "L4 stopped at 08:42 — what happened?"
    labels = [
        element["text"]["text"]
        for block in prompt["blocks"]
        for element in block.get("elements", [])
        if element.get("type") == "button"
    ]
    assert "breakdown" in labels and labels[-1] == "other…"
    assert "@sara presses [ breakdown ] on the L4 stop" in demo.transcript
    answers = [
        (number, message["text"])
        for number, message in demo.numbered("chat.update")
        if message.get("channel") == L4_CHANNEL and message["text"].startswith("L4 stopped")
    ]
    # Sara answers at 08:50, 8 minutes into the stop; the filler runs again at 08:53: 11 in all.
    assert [text for _, text in answers] == [
        f"L4 stopped at 08:42 (8 min so far): breakdown — <@{SARA}>",
        f"L4 stopped 08:42–08:53 (11 min): breakdown — <@{SARA}>",
    ]
    assert asked < answers[0][0]
    with demo_database(demo) as session:
        [stop] = session.scalars(select(MachineStop)).all()
        [delay] = session.scalars(
            select(DelayEntry).join(Line, Line.id == DelayEntry.line_id).where(Line.code == "L4")
        ).all()
        assert stop.delay_entry_id == delay.id and stop.answered_by == SARA
    assert (delay.minutes, delay.reason, delay.reported_by, delay.note) == (
        11,
        "breakdown",
        SARA,
        "machine stop 08:42–08:53",
    )


def _l4_as_slack_got_it(run: DemoRun) -> list[tuple[str, str]]:
    """Each message the line channel of L4 got, in order: new, an update or in a thread."""
    return [
        (
            "update" if "ts" in message else "thread" if "thread_ts" in message else "new",
            message["text"],
        )
        for message in l4_messages(run)
    ]


def test_with_mqtt_url_the_filler_publishes_to_the_broker_and_the_client_takes_it_from_there(
    demo: DemoRun, tmp_path: Path
) -> None:
    require_broker()
    played = play_demo(tmp_path / "demo", mqtt_url=f"mqtt://{BROKER_HOST}:{BROKER_PORT}")
    assert (BROKER_HOST, BROKER_PORT) in played.connections
    assert "they go to the broker in MQTT_URL" in played.transcript
    # Topics of the run's own, so that no other demo or plant on the broker counts with it.
    topic = re.search(r"prodbot-demo-[0-9a-f]{8}/riverside/l4/count", played.transcript)
    assert topic is not None
    with demo_database(played) as session:
        assert session.scalar(select(Line.count_topic).where(Line.code == "L4")) == topic[0]
    # What reached the line channel through the broker is what the in-process feed made.
    assert _l4_as_slack_got_it(played) == _l4_as_slack_got_it(demo)


def test_a_broker_that_does_not_answer_stops_the_demo_at_once_saying_so(tmp_path: Path) -> None:
    with socket.socket() as nobody:
        nobody.bind((BROKER_HOST, 0))  # a port no broker listens on while it is held
        port = nobody.getsockname()[1]
        with pytest.raises(ConfigError, match=f"no MQTT broker answers at mqtt://.*:{port}"):
            play_demo(tmp_path / "demo", mqtt_url=f"mqtt://{BROKER_HOST}:{port}")
