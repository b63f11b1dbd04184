"""How fast ``prodbot serve`` acknowledges ``/output`` next to a Bolt app that only acks.

Starts ``prodbot serve`` (gunicorn, gthread) and ``benchmarks.bare_ack_app`` under the same
gunicorn settings, drives each in turn with signed ``/output`` requests from concurrent
keep-alive clients, and prints requests/s, p50 and p99 latency for both and the throughput ratio
prodbot / bare (target: at least 0.9). The rounds alternate which app goes first, because a
small machine drifts.

Both apps talk to a fake Slack Web API run in a child process. The database is a fresh SQLite
file, or a fresh database created on the PostgreSQL server of ``--database-url`` /
``DATABASE_URL`` (and dropped at the end). Every reply is checked ("Saved" from prodbot, "ok"
from the bare app) and the saved entries are counted afterwards, so a run that measured error
replies fails instead of printing flattering figures.

This module runs the benchmark and prints the figures; ``ack_database`` prepares and counts the
database, ``ack_servers`` starts and stops the processes, ``ack_load`` sends the requests
(signed by ``bot.demo.signing``, as the demo and the tests sign theirs) and measures.

    .venv/bin/python -m benchmarks.ack_throughput
    .venv/bin/python -m benchmarks.ack_throughput --database-url postgresql://postgres@127.0.0.1/
"""

import argparse
import os
import sys
import time
from contextlib import ExitStack

from benchmarks.ack_common import (
    BOT_TOKEN,
    HEALTH_PATH,
    SIGNING_SECRET,
    SLACK_PATH,
    BenchmarkError,
)
from benchmarks.ack_database import (
    backend_name,
    count_output_entries,
    fresh_database,
    prepare_database,
)
from benchmarks.ack_load import App, Sample, drive
from benchmarks.ack_servers import (
    bare_command,
    fake_slack_process,
    free_port,
    prodbot_command,
    server,
    wait_until_ready,
)

TARGET_RATIO = 0.9  # issue #10: prodbot at least 0.9 × a bare Bolt app


def main() -> None:
    args = _parse_args()
    with ExitStack() as stack:
        database_url = stack.enter_context(fresh_database(args.database_url))
        prepare_database(database_url)
        slack_api_url, fake_calls = stack.enter_context(fake_slack_process())
        env = os.environ | {
            "DATABASE_URL": database_url,
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": slack_api_url,
        }
        gunicorn = {"workers": args.workers, "threads": args.threads}
        prodbot = App("prodbot", free_port(), b"Saved ")
        bare = App("bare", free_port(), b"ok")
        stack.enter_context(server(prodbot.name, prodbot_command(prodbot.port, **gunicorn), env))
        stack.enter_context(server(bare.name, bare_command(bare.port, **gunicorn), env))
        wait_until_ready(prodbot.port, "GET", HEALTH_PATH)
        wait_until_ready(bare.port, "POST", SLACK_PATH)

        print(
            f"/output ack throughput on {backend_name(database_url)}: "
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
                warmup = drive(app, args.clients, args.warmup, round=number)
                sample = drive(app, args.clients, args.duration, round=number)
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
        saved = count_output_entries(database_url)
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
