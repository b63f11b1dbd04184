"""The processes the ack benchmark drives: the fake Slack Web API, ``prodbot serve`` and the
bare Bolt app, the last two under the same gunicorn settings."""

import http.client
import multiprocessing
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from multiprocessing.connection import Connection
from pathlib import Path

from benchmarks.ack_common import STARTUP_TIMEOUT, BenchmarkError
from bot.demo.fake_slack import running_fake_slack

ROOT = Path(__file__).resolve().parents[1]
LOG_TAIL = 3000


@contextmanager
def fake_slack_process() -> Iterator[tuple[str, Callable[[], Counter[str]]]]:
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


def prodbot_command(port: int, *, workers: int, threads: int) -> list[str]:
    prodbot = shutil.which("prodbot", path=str(Path(sys.executable).parent)) or "prodbot"
    return [
        prodbot,
        "serve",
        *("--host", "127.0.0.1", "--port", str(port)),
        *("--workers", str(workers), "--threads", str(threads)),
    ]


def bare_command(port: int, *, workers: int, threads: int) -> list[str]:
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
def server(name: str, command: list[str], env: dict[str, str]) -> Iterator[subprocess.Popen[bytes]]:
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


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_until_ready(port: int, method: str, path: str) -> None:
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
