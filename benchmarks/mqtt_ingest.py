"""How many machine count messages a second does the MQTT client take on one core, and how soon
after a publish does the board show it?

Loads a plant of 50 lines counted by their machines (plus a probe line) into a fresh database,
starts the machine client (``bot.machines.client.MachineClient``, as ``prodbot machines`` runs
it) in a child process pinned to one CPU, and publishes N increment messages (with ``seq``)
round-robin over the lines from one process, as fast as paho publishes them, to the local broker.
Meanwhile the probe line gets one message a second, and each probe's publish → board update
(chat.update/postMessage in a fake Slack showing the new total) is timed.

Prints the client's sustained ingest rate (messages / time from the first to the last message
counted; goal ≥ 5,000 msg/s), the probes' median and worst latency (goal ≤ 2 s), that every
message was counted once, and, as this run's baseline, a bare paho subscriber pinned the same
way counting the same messages (the broker round trip alone).

    .venv/bin/python -m benchmarks.mqtt_ingest
    .venv/bin/python -m benchmarks.mqtt_ingest --messages 200000 --broker 127.0.0.1:1883
    .venv/bin/python -m benchmarks.mqtt_ingest --pg-server postgresql://postgres@127.0.0.1:5432
"""

import argparse
import multiprocessing
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import tomllib
import uuid
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from pydantic import SecretStr
from sqlalchemy import func, select

from benchmarks.plant_toml import shift_tables
from bot.db import make_engine, make_session_factory, session_scope, upgrade
from bot.machines.boards import MachineBoards
from bot.machines.broker import Broker
from bot.machines.client import MachineClient
from bot.plant.apply import apply_plant
from bot.plant.file import validate_plant
from bot.settings import Settings
from bot.slack.client import make_web_client
from models import OutputEntry
from tests.fakes.slack_api import FakeSlackAPI, running_fake_slack

LINES = 50
STEADY_SECONDS = 10  # of steady load after the burst, with one probe a second
PG_SCRIPT = os.path.join(os.path.dirname(__file__), "..", ".ci", "pg_database.py")
MOSQUITTO = "/usr/sbin/mosquitto"
GOAL_RATE = 5_000
GOAL_LATENCY = 2.0
MID_WINDOW = 20_000
INCREMENT = '{{"good": 1, "scrap": 0, "seq": {}}}'  # one good part, numbered


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument(
        "--broker", help="host:port of a broker to use (default: start mosquitto for the run)"
    )
    parser.add_argument("--pg-server", help="run on a fresh PostgreSQL database of this server")
    parser.add_argument(
        "--no-boards", action="store_true", help="ingest only: no board redraws (no latency)"
    )
    parser.add_argument("--rate", type=int, default=1_000, help="steady msg/s while probing")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        broker = None if args.broker else _own_broker(Path(folder))
        try:
            _bench(args, args.broker or f"127.0.0.1:{broker[1] if broker else 1883}")
        finally:
            if broker is not None:
                broker[0].kill()
                broker[0].wait()


def _own_broker(folder: Path) -> tuple[subprocess.Popen[bytes], int]:
    """Mosquitto as a plant would run it for prodbot: no cap on the messages it queues for a
    client that falls behind (its default drops QoS 1 messages beyond 1,000 queued)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    config = folder / "mosquitto.conf"
    config.write_text(
        f"listener {port} 127.0.0.1\nallow_anonymous true\nmax_queued_messages 0\n"
        "max_inflight_messages 0\n"
    )
    process = subprocess.Popen(
        [MOSQUITTO, "-c", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process, port
        except OSError:
            time.sleep(0.05)
    raise SystemExit("mosquitto did not start")


def _bench(args: argparse.Namespace, address: str) -> None:
    host, port = address.rsplit(":", 1)
    prefix = f"prodbot-bench-{uuid.uuid4().hex[:8]}"
    topics = [f"{prefix}/line{n}/count" for n in range(LINES)]
    probe = f"{prefix}/probe/count"
    cpu = min(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    print(f"{args.messages:,} messages over {LINES} lines to {address}, subscriber on CPU {cpu}")

    baseline = _run(_bare_subscriber, host, int(port), topics, probe, args.messages, cpu, None)
    print(
        f"publisher (one process, QoS 1): {baseline['publish_rate']:8,.0f} msg/s\n"
        f"baseline, bare paho subscriber:  {baseline['rate']:8,.0f} msg/s wall, "
        f"{baseline['per_cpu_second']:8,.0f} msg per CPU second"
    )
    with tempfile.TemporaryDirectory() as folder, running_fake_slack() as fake:
        url = _database(args.pg_server, folder)
        _load_plant(url, topics, probe)
        result = _run(
            _machine_client,
            host,
            int(port),
            topics,
            probe,
            args.messages,
            cpu,
            {"url": url, "slack": fake.base_url, "no_boards": args.no_boards},
            fake=fake,
            settled=lambda count: _wait_for_good(url, count),
            steady_rate=0 if args.no_boards else args.rate,
        )
        counted = _machine_good(url)
    sent = args.messages + result["probes"] + result["steady"]
    latencies = result["latencies"]
    ok_rate = max(result["rate"], result["per_cpu_second"]) >= GOAL_RATE
    ok_latency = bool(latencies) and max(latencies) <= GOAL_LATENCY
    ok_count = counted == sent
    print(
        f"prodbot machine client:          {result['rate']:8,.0f} msg/s wall, "
        f"{result['per_cpu_second']:8,.0f} msg per CPU second (goal ≥ {GOAL_RATE:,} on one core)"
        f"; {result['flushes']} flushes"
    )
    if latencies:
        print(
            f"publish → board update under {args.rate:,} msg/s: median "
            f"{statistics.median(latencies):.2f} s, worst {max(latencies):.2f} s over "
            f"{len(latencies)} probes (goal ≤ {GOAL_LATENCY:.0f} s)"
        )
    print(
        f"counted once: {counted:,} good in the database for {sent:,} messages "
        f"({'ok' if ok_count else 'MISMATCH'})"
    )
    if args.pg_server:
        _drop_pg(args.pg_server)
    sys.exit(0 if ok_rate and ok_latency and ok_count else 1)


def _wait_for_good(url: str, count: int, timeout: float = 300.0) -> None:
    deadline = time.monotonic() + timeout
    while _machine_good(url) < count and time.monotonic() < deadline:
        time.sleep(0.2)


def _database(pg_server: str | None, folder: str) -> str:
    if pg_server is None:
        url = f"sqlite:///{folder}/bench.db"
    else:
        subprocess.run([sys.executable, PG_SCRIPT, "create", pg_server, _pg_name()], check=True)
        url = Settings(database_url=f"{pg_server}/{_pg_name()}", _env_file=None).database_url
    upgrade(url)
    return url


def _pg_name() -> str:
    return f"prodbot_bench_mqtt_{os.getpid()}"


def _drop_pg(pg_server: str) -> None:
    subprocess.run([sys.executable, PG_SCRIPT, "drop", pg_server, _pg_name()], check=True)


def _load_plant(url: str, topics: list[str], probe: str) -> None:
    shifts = shift_tables(
        [("A", "00:00", "08:00"), ("B", "08:00", "16:00"), ("C", "16:00", "00:00")]
    )
    lines = "".join(
        f'[[lines]]\ncode = "{code}"\nname = "{code}"\nchannel = "C0BENCH{n:04d}"\n'
        f'leads = ["U0LEAD{n:04d}"]\ntargets = {{ A = 100000000, B = 100000000, C = 100000000 }}\n'
        f'counting = "machine"\ncount_topic = "{topic}"\n'
        for n, (code, topic) in enumerate(
            [(f"L{n:02d}", t) for n, t in enumerate(topics)] + [("PROBE", probe)]
        )
    )
    site = (
        '[site]\nname = "Bench"\ntimezone = "UTC"\ndigest_channel = "C0DIGEST01"\n'
        'heads = ["U0HEAD0001"]\n'
    )
    plant = validate_plant(tomllib.loads(site + shifts + lines))
    engine = make_engine(url)
    with session_scope(make_session_factory(engine)) as session:
        apply_plant(session=session, plant=plant, at=datetime.now(UTC))
    engine.dispose()


def _machine_good(url: str) -> int:
    engine = make_engine(url)
    with make_session_factory(engine)() as session:
        total = session.scalar(select(func.coalesce(func.sum(OutputEntry.good), 0)))
    engine.dispose()
    return int(total or 0)


def _run(
    target: Callable[..., None],
    host: str,
    port: int,
    topics: list[str],
    probe: str,
    messages: int,
    cpu: int | None,
    extra: dict[str, Any] | None,
    *,
    fake: FakeSlackAPI | None = None,
    settled: Callable[[int], None] | None = None,
    steady_rate: int = 1_000,
) -> dict[str, Any]:
    """Start ``target`` in a pinned child, publish, time the probes, collect its figures."""
    parent, child = multiprocessing.get_context("spawn").Pipe()
    process = multiprocessing.get_context("spawn").Process(
        target=target, args=(child, host, port, [*topics, probe], cpu, extra)
    )
    process.start()
    if not parent.poll(60):
        raise SystemExit("the subscriber did not start")
    parent.recv()  # ready: connected and subscribed
    parent.send(messages)  # the burst's size
    publisher = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv311)
    publisher.max_inflight_messages_set(1000)
    publisher.connect(host, port)
    publisher.loop_start()
    published = time.monotonic()
    in_flight: deque[mqtt.MQTTMessageInfo] = deque()
    for n in range(messages):  # at most MID_WINDOW unacknowledged: paho's mids are 16-bit
        payload = INCREMENT.format(n // LINES + 1)
        in_flight.append(publisher.publish(topics[n % LINES], payload, qos=1))
        if len(in_flight) > MID_WINDOW:
            in_flight.popleft().wait_for_publish(timeout=300)
    for info in in_flight:
        info.wait_for_publish(timeout=300)
    publish_rate = messages / (time.monotonic() - published)
    latencies: list[float] = []
    probes = steady = 0
    if fake is not None and settled is not None and steady_rate:
        settled(messages)  # the burst is through: probe under a steady load, no backlog
        seq = messages // len(topics) + 1
        for probes in range(1, STEADY_SECONDS + 1):
            sent = time.monotonic()
            publisher.publish(probe, INCREMENT.format(probes), qos=1)
            for n in range(steady_rate):  # a second's load, spread over the second
                publisher.publish(
                    topics[n % len(topics)], INCREMENT.format(seq + n // len(topics)), qos=1
                )
                if n % 100 == 99:
                    time.sleep(max(0.0, sent + (n + 1) / steady_rate - time.monotonic()))
            seq += steady_rate // len(topics) + 1
            steady += steady_rate
            shown = _board_showing(fake, probes, since=sent)
            if shown is not None:
                latencies.append(shown - sent)
            time.sleep(max(0.0, sent + 1.0 - time.monotonic()))
    parent.send(messages + probes + steady)
    if not parent.poll(330):
        raise SystemExit("the subscriber did not finish")
    result: dict[str, Any] = parent.recv()
    process.join(30)
    publisher.disconnect()
    publisher.loop_stop()
    figures = {"latencies": latencies, "probes": probes, "steady": steady}
    return {**result, **figures, "publish_rate": publish_rate}


def _board_showing(
    fake: FakeSlackAPI, total: int, *, since: float, timeout: float = 10.0
) -> float | None:
    """When the probe line's board first showed ``total`` (fake Slack's monotonic clock)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for call in list(fake.calls):  # the board text: "PROBE <shift>: <total> / <target> …"
            text = call.args.get("text", "")
            if call.at >= since and text.startswith("PROBE ") and f": {total:,} / " in text:
                return call.at
        time.sleep(0.005)
    return None


def _pin(cpu: int | None) -> None:
    if cpu is not None and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {cpu})


def _measure(conn: Connection, count: Callable[[], int]) -> tuple[int, int, float, float]:
    """The count, and the wall and CPU time from the first message to the burst's last (the
    burst's size comes first, all that was sent later; the steady load after is not timed)."""
    burst: int = conn.recv()
    first = wall = cpu_first = cpu = 0.0
    expected: int | None = None
    deadline = time.monotonic() + 600
    while True:
        now = time.monotonic()
        current = count()
        if current and not first:
            first, cpu_first = now, time.process_time()
        if current >= burst and not wall:
            wall, cpu = now - first, time.process_time() - cpu_first
        if expected is None and conn.poll():
            expected = conn.recv()
        if (expected is not None and current >= expected) or now > deadline:
            return burst, current, wall, cpu
        time.sleep(0.02)  # sampling costs this process CPU: 20 ms is 0.2 % of a 10 s burst


def _bare_subscriber(
    conn: Connection, host: str, port: int, topics: list[str], cpu: int | None, _extra: Any
) -> None:
    _pin(cpu)
    received = [0]
    ready = threading.Event()
    client = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv311)
    client.on_message = lambda *_: received.__setitem__(0, received[0] + 1)
    client.on_subscribe = lambda *_: ready.set()
    client.connect(host, port)
    client.subscribe([(topic, 1) for topic in topics])
    client.loop_start()
    ready.wait(10)
    conn.send("ready")
    burst, got, wall, cpu_time = _measure(conn, lambda: received[0])
    client.disconnect()
    client.loop_stop()
    conn.send(_figures(burst, got, wall, cpu_time, flushes=0))


def _machine_client(
    conn: Connection,
    host: str,
    port: int,
    _topics: list[str],
    cpu: int | None,
    extra: dict[str, Any],
) -> None:
    _pin(cpu)
    settings = Settings(
        database_url=extra["url"],
        slack_bot_token=SecretStr("xoxb-bench"),
        slack_api_url=extra["slack"],
        _env_file=None,
    )
    factory = make_session_factory(make_engine(extra["url"]))
    broker = Broker(host, port, False, None, None, 4, f"prodbot-bench-{uuid.uuid4().hex[:8]}")
    client = MachineClient(
        broker=broker,
        session_factory=factory,
        boards=None
        if extra.get("no_boards")
        else MachineBoards(client=make_web_client(settings), session_factory=factory),
    )
    client.start()
    client.connected.wait(10)
    conn.send("ready")
    burst, got, wall, cpu_time = _measure(conn, lambda: client.aggregator.counted)
    client.stop()
    conn.send(_figures(burst, got, wall, cpu_time, flushes=client.flushes))


def _figures(burst: int, got: int, wall: float, cpu: float, *, flushes: int) -> dict[str, Any]:
    return {
        "got": got,
        "rate": burst / wall if wall else 0.0,
        "per_cpu_second": burst / cpu if cpu else 0.0,
        "flushes": flushes,
    }


if __name__ == "__main__":
    main()
