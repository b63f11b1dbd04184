"""Two processes running the same job for the same clock at once post once between them."""

import os
import subprocess
import sys
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from bot.settings import Settings
from jobs.base import JobDeps
from tests.fakes.slack_api import FakeSlackAPI
from tests.helpers_reports import Report

PRODBOT = str(Path(sys.executable).with_name("prodbot"))


@pytest.mark.parametrize(
    ("job", "at", "channels", "uploads"),
    [
        ("shift-summary", "2026-11-18T13:20:00+00:00", {"C0LINE0001": 1, "C0PRESS002": 1}, 0),
        ("digest", "2026-11-19T06:05:00+00:00", {"C0DIGEST01": 1, "U0HEAD0001": 1}, 1),
    ],
)
def test_two_processes_running_a_job_at_once_post_once(
    job: str,
    at: str,
    channels: dict[str, int],
    uploads: int,
    deps: JobDeps,
    settings: Settings,
    fake_slack: FakeSlackAPI,
    report: Report,
) -> None:
    report("L1", "A", date(2026, 11, 18), 700)
    fake_slack.latency = 0.3  # keeps both runs in flight together
    env = {
        **os.environ,
        "DATABASE_URL": settings.database_url,
        "SLACK_BOT_TOKEN": "xoxb-test-token",
        "SLACK_API_URL": fake_slack.base_url,
    }
    command = [PRODBOT, "jobs", "run", job, "--at", at]
    runs = [
        subprocess.Popen(
            command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    results = [run.communicate(timeout=60) for run in runs]
    outputs = [out for out, _ in results]

    assert [run.returncode for run in runs] == [0, 0], [err[-3000:] for _, err in results]
    posts = Counter(call.args["channel"] for call in fake_slack.calls_to("chat.postMessage"))
    assert posts == channels
    assert len(fake_slack.calls_to("files.completeUploadExternal")) == uploads  # the chart
    assert (
        sum(int(out.split(":")[1].split(" posted")[0]) for out in outputs)
        == sum(channels.values()) + uploads
    )
