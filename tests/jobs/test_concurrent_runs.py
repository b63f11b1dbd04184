"""Two processes running the same job for the same clock at once post once between them."""

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from bot.settings import Settings
from jobs.base import JobDeps
from tests.fakes.slack_api import FakeSlackAPI

PRODBOT = str(Path(sys.executable).with_name("prodbot"))
AFTER_WEDNESDAY_SHIFT_A = "2026-11-18T13:20:00+00:00"


@pytest.mark.parametrize("job", ["shift-summary"])
def test_two_processes_running_a_job_at_once_post_once(
    job: str, deps: JobDeps, settings: Settings, fake_slack: FakeSlackAPI
) -> None:
    fake_slack.latency = 0.3  # keeps both runs in flight together
    env = {
        **os.environ,
        "DATABASE_URL": settings.database_url,
        "SLACK_BOT_TOKEN": "xoxb-test-token",
        "SLACK_API_URL": fake_slack.base_url,
    }
    command = [PRODBOT, "jobs", "run", job, "--at", AFTER_WEDNESDAY_SHIFT_A]
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
    assert posts == {"C0LINE0001": 1, "C0PRESS002": 1}
    assert sorted(out.split(":")[1].split(" posted")[0].strip() for out in outputs) in (
        ["0", "2"],
        ["1", "1"],
    )
