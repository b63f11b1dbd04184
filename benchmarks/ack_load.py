"""The ack benchmark's load: concurrent keep-alive clients sending signed ``/output`` commands
to one app, and what they measured."""

import http.client
import json
import statistics
import threading
import time
from contextlib import suppress
from dataclasses import dataclass, field

from benchmarks.ack_common import REQUEST_TIMEOUT, SIGNING_SECRET, SLACK_PATH, BenchmarkError
from benchmarks.ack_database import CHANNEL, USER
from bot.demo.signing import SignedRequest, SlackRequestBuilder

COMMAND_TEXT = "L1 5"

# The commands' response URLs point at a closed port: an ``/output`` is answered by its ack.
_requests = SlackRequestBuilder(
    signing_secret=SIGNING_SECRET, response_base="http://127.0.0.1:9/", trigger_tag="bench"
)


@dataclass(frozen=True)
class App:
    name: str
    port: int
    reply_marker: bytes


@dataclass
class Sample:
    """What one run against one app measured."""

    app: str
    round: int
    seconds: float
    latencies: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    @property
    def per_second(self) -> float:
        return len(self.latencies) / self.seconds

    def percentile(self, p: int) -> float:
        if len(self.latencies) < 2:
            return self.latencies[0] if self.latencies else float("nan")
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[p - 1]


def signed_command() -> SignedRequest:
    """One ``/output`` exactly as Slack sends it, with a trigger_id no other request has."""
    return _requests.command("/output", COMMAND_TEXT, user=USER, channel=CHANNEL)


def drive(app: App, clients: int, seconds: float, *, round: int) -> Sample:
    """``clients`` threads, each on one keep-alive connection, send until ``seconds`` pass."""
    sample = Sample(app.name, round, seconds)
    lock = threading.Lock()
    start = threading.Barrier(clients + 1)
    deadline = [0.0]

    def client() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", app.port, timeout=REQUEST_TIMEOUT)
        latencies: list[float] = []
        failures: list[str] = []
        start.wait()
        try:
            while time.perf_counter() < deadline[0]:
                request = signed_command()
                began = time.perf_counter()
                try:
                    connection.request(
                        "POST", SLACK_PATH, body=request.body, headers=request.headers
                    )
                    response = connection.getresponse()
                    reply = response.read()
                except (OSError, http.client.HTTPException) as error:
                    failures.append(f"{type(error).__name__}: {error}")
                    connection.close()
                    continue
                latencies.append(time.perf_counter() - began)
                if response.status != 200 or app.reply_marker not in _reply_text(reply):
                    failures.append(f"HTTP {response.status}: {reply[:300]!r}")
        finally:
            connection.close()
            with lock:
                sample.latencies.extend(latencies)
                sample.failures.extend(failures)

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    for thread in threads:
        thread.start()
    began = time.perf_counter()
    deadline[0] = began + seconds
    start.wait()
    for thread in threads:
        thread.join(seconds + REQUEST_TIMEOUT + 5)
    sample.seconds = time.perf_counter() - began
    if any(thread.is_alive() for thread in threads):
        raise BenchmarkError(f"{app.name}: a client did not finish")
    return sample


def _reply_text(reply: bytes) -> bytes:
    """The ``text`` of a JSON ack (non-ASCII escaped in the body), else the body itself."""
    if not reply.startswith(b"{"):
        return reply
    with suppress(ValueError, AttributeError):
        return str(json.loads(reply).get("text", "")).encode()
    return reply
