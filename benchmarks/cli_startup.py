"""How long ``prodbot --help`` takes, next to an interpreter that only imports typer.

Runs ``prodbot --help`` (and ``prodbot plant --help``, ``prodbot jobs --help``) N times, each in
a fresh interpreter, and in the same rounds ``python -c "import typer"``, the floor no typer CLI
can go under. The rounds interleave the commands, so a busy machine slows them alike. Prints the
median and the fastest wall time of each, the median's difference from the baseline, and whether
``prodbot --help`` meets the goal (issue #10): a median of at most 0.5 s.

    .venv/bin/python -m benchmarks.cli_startup
    .venv/bin/python -m benchmarks.cli_startup --runs 30

To time another checkout with the same interpreter, put it first on the path:
``PYTHONPATH=/path/to/checkout .venv/bin/python -m benchmarks.cli_startup``.
"""

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

PRODBOT = str(Path(sys.executable).with_name("prodbot"))
BASELINE = "import typer"
COMMANDS = {
    "prodbot --help": [PRODBOT, "--help"],
    "prodbot plant --help": [PRODBOT, "plant", "--help"],
    "prodbot jobs --help": [PRODBOT, "jobs", "--help"],
    f'python -c "{BASELINE}"': [sys.executable, "-c", BASELINE],
}
GOAL_SECONDS = 0.5


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="runs of each command (default 15)")
    args = parser.parse_args()

    for argv in COMMANDS.values():
        _run(argv)  # warm the file system cache and the bytecode once, untimed
    times: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for _ in range(args.runs):
        for name, argv in COMMANDS.items():
            times[name].append(_run(argv))

    width = max(map(len, COMMANDS))
    for name, seconds in times.items():
        print(
            f"{name:<{width}}  median {statistics.median(seconds):.3f} s  "
            f"min {min(seconds):.3f} s  ({args.runs} runs)"
        )
    baseline = statistics.median(times[f'python -c "{BASELINE}"'])
    help_median = statistics.median(times["prodbot --help"])
    print(f"prodbot --help minus {BASELINE}: median {help_median - baseline:+.3f} s")
    met = help_median <= GOAL_SECONDS
    print(f"goal: prodbot --help at most {GOAL_SECONDS} s (median): {'met' if met else 'NOT met'}")
    sys.exit(0 if met else 1)


def _run(argv: list[str]) -> float:
    """Wall time of one run; a command that fails stops the benchmark with its error."""
    start = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"{' '.join(argv)} failed ({done.returncode}):\n{done.stderr}")
    return elapsed


if __name__ == "__main__":
    main()
