"""How fast ``prodbot serve`` acknowledges ``/output`` next to a Bolt app that only acks.

Starts ``prodbot serve`` (gunicorn, gthread) and ``benchmarks.bare_ack_app`` under the same
gunicorn settings, drives each in turn with signed ``/output`` requests from concurrent
keep-alive clients, and prints requests/s, p50 and p99 latency for both and the throughput ratio
prodbot / bare (target: at least 0.8). The rounds alternate which app goes first, because a
small machine drifts.

Both apps talk to a fake Slack Web API run in a child process. The database is a fresh SQLite
file, or a fresh database created on the PostgreSQL server of ``--database-url`` /
``DATABASE_URL`` (and dropped at the end). Every reply is checked ("Saved" from prodbot, "ok"
from the bare app) and the saved entries are counted afterwards, so a run that measured error
replies fails instead of printing flattering figures.

    .venv/bin/python -m benchmarks.ack_throughput
    .venv/bin/python -m benchmarks.ack_throughput --database-url postgresql://postgres@127.0.0.1/
"""

import argparse
import http.client
import itertools
import json
import multiprocessing
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from pathlib import Path
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from bot.db import make_engine, make_session_factory, session_scope, upgrade
from bot.plant.file import apply_plant, read_plant_file
from bot.settings import Settings
from models import OutputEntry
from tests.fakes.slack_api import TEAM_ID, running_fake_slack

ROOT = Path(__file__).resolve().parents[1]
SLACK_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
SIGNING_SECRET = "bench-signing-secret"
BOT_TOKEN = "xoxb-bench-token"
TARGET_RATIO = 0.8
CHANNEL = "C0LINE0001"
USER = "U0LEAD0001"
COMMAND_TEXT = "L1 5"
STARTUP_TIMEOUT = 30.0
REQUEST_TIMEOUT = 30.0
LOG_TAIL = 3000

# Shifts around the clock, every day, in UTC: /output is accepted whenever the benchmark runs.
# The line has no ideal_rate, so no quantity asks for confirmation.
BENCH_PLANT = """\
[site]
name = "Benchmark"
timezone = "UTC"

[[shifts]]
name = "D"
start = "00:00"
end = "12:00"
days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]

[[shifts]]
name = "N"
start = "12:00"
end = "00:00"
days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]

[[lines]]
code = "L1"
name = "Line 1 - Bottling"
channel = "C0LINE0001"
leads = ["U0LEAD0001"]
unit = "bottles"
targets = { D = 1000000, N = 1000000 }
"""


class BenchmarkError(Exception):
    """The run cannot be trusted (a server did not start, replies were errors, rows missing)."""


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


def main() -> None:
    args = _parse_args()
    with ExitStack() as stack:
        database_url = stack.enter_context(_fresh_database(args.database_url))
        _prepare_database(database_url)
        slack_api_url, fake_calls = stack.enter_context(_fake_slack_process())
        env = os.environ | {
            "DATABASE_URL": database_url,
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": slack_api_url,
        }
        gunicorn = {"workers": args.workers, "threads": args.threads}
        prodbot = App("prodbot", _free_port(), b"Saved ")
        bare = App("bare", _free_port(), b"ok")
        stack.enter_context(_server(prodbot.name, _prodbot_command(prodbot.port, **gunicorn), env))
        stack.enter_context(_server(bare.name, _bare_command(bare.port, **gunicorn), env))
        _wait_until_ready(prodbot.port, "GET", HEALTH_PATH)
        _wait_until_ready(bare.port, "POST", SLACK_PATH)

        print(
            f"/output ack throughput on {make_url(database_url).get_backend_name()}: "
            f"gunicorn gthread {args.workers} workers × {args.threads} threads, "
            f"{args.clients} keep-alive clients, {args.warmup:g} s warm-up + "
            f"{args.duration:g} s per run, {os.cpu_count()} CPUs",
            flush=True,
        )
        samples: list[Sample] = []
        sent = {prodbot.name: 0, bare.name: 0}
        for number in range(1, args.rounds + 1):
            order = (prodbot, bare) if number % 2 else (bare, prodbot)
            for app in order:
                warmup = _drive(app, args.clients, args.warmup, round=number)
                sample = _drive(app, args.clients, args.duration, round=number)
                for run in (warmup, sample):
                    if run.failures:
                        raise BenchmarkError(
                            f"{app.name}: {len(run.failures)} bad repl(ies), "
                            f"first: {run.failures[0]}"
                        )
                    sent[app.name] += len(run.latencies)
                samples.append(sample)
                _print_sample(sample)
                time.sleep(1)  # let prodbot's board posts after the last acks drain
        _print_ratios(samples)
        saved = _count_output_entries(database_url)
        calls = fake_calls()
    print(
        f"output_entries rows: {saved} (acknowledged: {sent[prodbot.name]}); "
        f"fake Slack received {calls.get('chat.postMessage', 0)} chat.postMessage, "
        f"{calls.get('chat.update', 0)} chat.update"
    )
    if saved != sent[prodbot.name]:
        raise BenchmarkError("prodbot acknowledged entries that are not in the database")


def _parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=10.0, help="seconds measured per run")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds before each run")
    parser.add_argument("--clients", type=int, default=8, help="concurrent client connections")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=8, help="threads per worker")
    parser.add_argument("--rounds", type=int, default=2, help="runs per app, order alternating")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL"),
        help="PostgreSQL server to create a scratch database on (default: SQLite)",
    )
    args = parser.parse_args()
    if min(args.duration, args.clients, args.workers, args.threads, args.rounds) <= 0:
        parser.error("--duration, --clients, --workers, --threads and --rounds must be positive")
    return args


# --- database ------------------------------------------------------------------------------


@contextmanager
def _fresh_database(server_url: str | None) -> Iterator[str]:
    """A SQLite file in a temporary folder, or a new PostgreSQL database dropped afterwards."""
    if not server_url:
        with tempfile.TemporaryDirectory(prefix="prodbot-bench-") as folder:
            yield f"sqlite:///{Path(folder) / 'bench.db'}"
        return
    url = make_url(Settings(database_url=server_url, _env_file=None).database_url)
    if url.get_backend_name() != "postgresql":
        raise BenchmarkError(f"--database-url must be PostgreSQL, not {url.get_backend_name()}")
    name = f"prodbot_bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield url.set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def _prepare_database(url: str) -> None:
    """What ``prodbot db upgrade`` and ``prodbot plant load`` do, with the benchmark plant."""
    upgrade(url)
    with tempfile.TemporaryDirectory() as folder:
        plant_file = Path(folder) / "plant.toml"
        plant_file.write_text(BENCH_PLANT)
        plant = read_plant_file(plant_file)
    engine = make_engine(url)
    try:
        with session_scope(make_session_factory(engine)) as session:
            apply_plant(session=session, plant=plant, at=datetime.now(UTC))
    finally:
        engine.dispose()


def _count_output_entries(url: str) -> int:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return connection.scalar(select(func.count()).select_from(OutputEntry)) or 0
    finally:
        engine.dispose()


# --- fake Slack and servers ----------------------------------------------------------------


@contextmanager
def _fake_slack_process() -> Iterator[tuple[str, Callable[[], Counter[str]]]]:
    """The fake Slack Web API in a child process, so serving it does not hold the clients' GIL.

    Yields its base URL and a function returning how many calls of each method it received.
    """
    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe()
    process = context.Process(target=_serve_fake_slack, args=(theirs,), daemon=True)
    process.start()
    try:
        if not ours.poll(STARTUP_TIMEOUT):
            raise BenchmarkError("the fake Slack did not start")
        base_url: str = ours.recv()

        def calls() -> Counter[str]:
            ours.send("count")
            counts: Counter[str] = ours.recv()
            return counts

        yield base_url, calls
    finally:
        with suppress(OSError):
            ours.send("stop")
        process.join(5)
        if process.is_alive():
            process.kill()


def _serve_fake_slack(connection: Connection) -> None:
    with running_fake_slack() as fake:
        connection.send(fake.base_url)
        while connection.recv() == "count":
            connection.send(Counter(call.method for call in fake.calls))


def _prodbot_command(port: int, *, workers: int, threads: int) -> list[str]:
    prodbot = shutil.which("prodbot", path=str(Path(sys.executable).parent)) or "prodbot"
    return [
        prodbot,
        "serve",
        *("--host", "127.0.0.1", "--port", str(port)),
        *("--workers", str(workers), "--threads", str(threads)),
    ]


def _bare_command(port: int, *, workers: int, threads: int) -> list[str]:
    """gunicorn with the options ``bot.entry.server.run_gunicorn`` gives ``prodbot serve``."""
    return [
        sys.executable,
        "-m",
        "gunicorn",
        *("--bind", f"127.0.0.1:{port}", "--worker-class", "gthread"),
        *("--workers", str(workers), "--threads", str(threads)),
        *("--timeout", "30", "--graceful-timeout", "10"),
        "benchmarks.bare_ack_app:create()",
    ]


@contextmanager
def _server(
    name: str, command: list[str], env: dict[str, str]
) -> Iterator[subprocess.Popen[bytes]]:
    """Run ``command`` in its own process group; stop the whole group on the way out.

    Its output is kept aside and shown only when the benchmark fails.
    """
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            yield process
        except BaseException:
            log.seek(max(0, log.seek(0, os.SEEK_END) - LOG_TAIL))
            tail = log.read().decode(errors="replace")
            print(f"--- last output of {name} ---\n{tail}", file=sys.stderr)
            raise
        finally:
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                with suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(5)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _wait_until_ready(port: int, method: str, path: str) -> None:
    """Poll until the server answers at all (the bare app answers an unsigned POST with 401)."""
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        try:
            connection.request(method, path, body=b"" if method == "POST" else None)
            status = connection.getresponse().status
            if method == "POST" or status == 200:
                return
        except OSError:
            pass
        finally:
            connection.close()
        time.sleep(0.2)
    raise BenchmarkError(f"no server answered {method} {path} on port {port}")


# --- load ----------------------------------------------------------------------------------


_triggers = itertools.count(1)
_verifier = SignatureVerifier(SIGNING_SECRET)


def _signed_command() -> tuple[bytes, dict[str, str]]:
    """One ``/output`` exactly as Slack sends it, with a trigger_id no other request has."""
    trigger = f"{next(_triggers)}.{time.time_ns()}.bench"
    body = urlencode(
        {
            "token": "legacy-verification-token",
            "team_id": TEAM_ID,
            "team_domain": "factory",
            "channel_id": CHANNEL,
            "channel_name": "line",
            "user_id": USER,
            "user_name": USER.lower(),
            "command": "/output",
            "text": COMMAND_TEXT,
            "api_app_id": "A0PRODBOT1",
            "is_enterprise_install": "false",
            "response_url": f"http://127.0.0.1:9/response/{trigger}",
            "trigger_id": trigger,
        }
    )
    timestamp = str(int(time.time()))
    signature = _verifier.generate_signature(timestamp=timestamp, body=body)
    if signature is None:
        raise BenchmarkError("slack_sdk did not sign the request")
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": signature,
    }
    return body.encode(), headers


def _drive(app: App, clients: int, seconds: float, *, round: int) -> Sample:
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
                body, headers = _signed_command()
                began = time.perf_counter()
                try:
                    connection.request("POST", SLACK_PATH, body=body, headers=headers)
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


# --- report --------------------------------------------------------------------------------


def _print_sample(sample: Sample) -> None:
    print(
        f"round {sample.round}  {sample.app:<8} {len(sample.latencies):>6} requests  "
        f"{sample.per_second:>7.1f} req/s  p50 {sample.percentile(50) * 1000:>6.1f} ms  "
        f"p99 {sample.percentile(99) * 1000:>6.1f} ms",
        flush=True,
    )


def _print_ratios(samples: list[Sample]) -> None:
    def ratio(of: list[Sample]) -> float:
        prodbot = sum(s.per_second for s in of if s.app == "prodbot")
        bare = sum(s.per_second for s in of if s.app == "bare")
        return prodbot / bare

    rounds = sorted({sample.round for sample in samples})
    per_round = ", ".join(
        f"round {n} {ratio([s for s in samples if s.round == n]):.2f}" for n in rounds
    )
    overall = ratio(samples)
    verdict = "meets" if overall >= TARGET_RATIO else "BELOW"
    print(
        f"throughput ratio prodbot/bare: {per_round}; overall {overall:.2f} "
        f"({verdict} target ≥ {TARGET_RATIO})"
    )


if __name__ == "__main__":
    try:
        main()
    except BenchmarkError as error:
        print(f"benchmark failed: {error}", file=sys.stderr)
        sys.exit(1)
