import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.db import session_scope
from bot.plant.apply import apply_plant
from bot.plant.file import validate_plant
from bot.settings import Settings
from jobs.base import JobDeps
from jobs.leader import leader_lock_for
from jobs.scheduler import schedule_jobs
from tests.fakes.slack_api import FakeSlackAPI

PRODBOT = str(Path(sys.executable).with_name("prodbot"))


def test_triggers_fire_in_the_site_zone_after_each_shift_end(deps: JobDeps) -> None:
    scheduler = BackgroundScheduler(timezone=UTC)
    schedule_jobs(scheduler, deps)

    summary = next(
        job
        for job in scheduler.get_jobs()
        if job.id.startswith("shift-summary:") and ":A:" in job.id
    )
    fire = summary.trigger.get_next_fire_time(None, datetime(2026, 11, 18, 12, 0, tzinfo=UTC))
    assert fire.astimezone(UTC) == datetime(2026, 11, 18, 13, 15, tzinfo=UTC)  # 14:15 in Berlin
    digest = next(job for job in scheduler.get_jobs() if job.id.startswith("digest:"))
    fire = digest.trigger.get_next_fire_time(None, datetime(2026, 11, 18, 12, 0, tzinfo=UTC))
    assert fire.astimezone(UTC) == datetime(2026, 11, 19, 6, 0, tzinfo=UTC)  # 07:00 in Berlin


def test_only_one_process_holds_the_leader_lock(engine: Engine) -> None:
    first, second = leader_lock_for(engine), leader_lock_for(engine)
    assert first.try_acquire()
    try:
        assert not second.try_acquire()
        assert first.still_held()
    finally:
        first.release()
    assert second.try_acquire()
    second.release()


def _plant_with_a_shift_that_just_ended(now: datetime) -> dict[str, object]:
    end = (now - timedelta(minutes=20)).replace(second=0, microsecond=0)
    start = end - timedelta(hours=3)
    every_day = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    return {
        "site": {"name": "Clockwork", "timezone": "UTC"},
        "shifts": [
            {"name": "S", "start": f"{start:%H:%M}", "end": f"{end:%H:%M}", "days": every_day}
        ],
        "lines": [
            {"code": "K1", "name": "Line K1", "channel": "C0K1K1K1K1", "leads": ["U0LEAD0001"],
             "managers": ["U0MGR00001"], "targets": {"S": 300}},
        ],
    }  # fmt: skip


def _wait_for_text(path: Path, text: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if text in path.read_text():
            return
        time.sleep(0.05)
    raise AssertionError(f"{text!r} not in {path}:\n{path.read_text()[-3000:]}")


@pytest.mark.skipif(sys.platform == "win32", reason="signals")
def test_a_standby_takes_over_from_a_killed_leader_and_posts_nothing_twice(
    settings: Settings,
    session_factory: sessionmaker[Session],
    fake_slack: FakeSlackAPI,
    tmp_path: Path,
) -> None:
    with session_scope(session_factory) as session:
        plant = validate_plant(_plant_with_a_shift_that_just_ended(datetime.now(UTC)))
        # Loaded the day before: live before the shift that just ended.
        apply_plant(session=session, plant=plant, at=datetime.now(UTC) - timedelta(days=1))
    env = {
        **os.environ,
        "DATABASE_URL": settings.database_url,
        "SLACK_BOT_TOKEN": "xoxb-test-token",
        "SLACK_API_URL": fake_slack.base_url,
    }
    logs = [tmp_path / "leader.log", tmp_path / "standby.log"]
    processes = []
    try:
        for log in logs:
            processes.append(
                subprocess.Popen(
                    [PRODBOT, "scheduler"],
                    env=env,
                    cwd=tmp_path,
                    stdout=subprocess.DEVNULL,
                    stderr=log.open("w"),
                    start_new_session=True,
                )
            )
            _wait_for_text(log, "scheduler:")
        leader = processes[0]
        _wait_for_text(logs[0], "this process is the leader")
        _wait_for_text(logs[1], "standing by")
        summary = fake_slack.wait_for("chat.postMessage", 1, timeout=30)[0]
        assert summary.args["channel"] == "C0K1K1K1K1"

        os.killpg(leader.pid, signal.SIGKILL)
        leader.wait(timeout=10)
        _wait_for_text(logs[1], "this process is the leader")
        _wait_for_text(logs[1], "trigger(s)")
        time.sleep(1)  # the new leader's catch-up run, which must find everything posted
    finally:
        for process in processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=20)

    posts = Counter(
        (call.args["channel"], call.args["text"])
        for call in fake_slack.calls_to("chat.postMessage")
    )
    assert posts[("C0K1K1K1K1", summary.args["text"])] == 1
    assert all(count == 1 for count in posts.values())


def test_deliveries_run_every_minute_once_whatever_the_sites(
    deps: JobDeps, session_factory: sessionmaker[Session]
) -> None:
    with session_scope(session_factory) as session:
        plant = validate_plant(_plant_with_a_shift_that_just_ended(datetime.now(UTC)))
        apply_plant(session=session, plant=plant, at=datetime.now(UTC))  # a second site
    scheduler = BackgroundScheduler(timezone=UTC)
    schedule_jobs(scheduler, deps)

    digests = [job for job in scheduler.get_jobs() if job.args[0] == "digest"]
    [deliveries] = [job for job in scheduler.get_jobs() if job.args[0] == "deliveries"]
    assert len(digests) == 2
    now = datetime.now(UTC)
    first = deliveries.trigger.get_next_fire_time(None, now)
    second = deliveries.trigger.get_next_fire_time(first, first)
    assert first - now <= timedelta(minutes=1)
    assert second - first == timedelta(minutes=1)
