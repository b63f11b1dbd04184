"""The baseline for ``ack_throughput.py``: a Bolt app that only acknowledges ``/output``.

It goes through the same Bolt path as prodbot (signature check, ``process_before_response=False``,
the listener on Bolt's executor, the WSGI adapter) and does nothing else, so it is the ceiling
for prodbot's ack throughput under the same gunicorn settings::

    gunicorn --worker-class gthread --workers 2 --threads 8 'benchmarks.bare_ack_app:create()'

Reads ``SLACK_BOT_TOKEN``, ``SLACK_SIGNING_SECRET`` and ``SLACK_API_URL`` (Bolt calls
``auth.test`` once per worker, so point the last at a fake Slack).
"""

import os

from slack_bolt import Ack, App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient

SLACK_PATH = "/slack/events"


def handle_output_command(ack: Ack) -> None:
    ack("ok")


def create() -> SlackRequestHandler:
    client = WebClient(token=os.environ["SLACK_BOT_TOKEN"], base_url=os.environ["SLACK_API_URL"])
    app = App(
        client=client,
        signing_secret=os.environ["SLACK_SIGNING_SECRET"],
        process_before_response=False,
    )
    app.command("/output")(handle_output_command)
    return SlackRequestHandler(app, path=SLACK_PATH)
