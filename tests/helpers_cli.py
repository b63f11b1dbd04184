"""``prodbot ARGS`` run inside the test's process, as a subprocess would run it, for a fraction of
the cost: a new ``prodbot`` process spends a second importing before it does anything.

The command sees only the environment it is given (no ``SLACK_*``, ``DB_*``, ``DATABASE_URL`` or
``PRODBOT_PLANT`` of the test's own), runs in the given folder, and its exit code, stdout and
stderr come back as a ``CompletedProcess``. The tests that are about the process itself (start,
signals, serving, what is imported) still start a real one.
"""

import io
import os
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from pathlib import Path

from rich.console import Console

from bot.entry import cli
from bot.settings import get_settings

# The test's own settings, which a command run for an operator must not see.
NOT_PASSED_ON = ("SLACK_", "DB_", "DATABASE_URL", "PRODBOT_PLANT", "PORT")


def run_prodbot(*args: str, cwd: Path, env: Mapping[str, str]) -> subprocess.CompletedProcess[str]:
    """``prodbot *args`` in ``cwd`` with ``env`` added to this process's environment less the
    test's settings; the exit code is ``main``'s ``SystemExit`` code, 0 if it returned."""
    stdout, stderr = io.StringIO(), io.StringIO()
    with _as_a_new_process(args, cwd, env), redirect_stdout(stdout), redirect_stderr(stderr):
        # Made here, not at import: a console takes its width from $COLUMNS when it is made.
        cli.console, cli.errors = Console(), Console(stderr=True)
        try:
            cli.main()
            code = 0
        except SystemExit as exit:
            code = exit.code if isinstance(exit.code, int) else 1
    return subprocess.CompletedProcess(
        ["prodbot", *args], code, stdout.getvalue(), stderr.getvalue()
    )


@contextmanager
def _as_a_new_process(args: tuple[str, ...], cwd: Path, env: Mapping[str, str]) -> Iterator[None]:
    saved_environ, saved_argv, saved_cwd = dict(os.environ), sys.argv, Path.cwd()
    saved_consoles, saved_debug = (cli.console, cli.errors), cli.CliOptions.debug
    for key in [key for key in os.environ if key.startswith(NOT_PASSED_ON)]:
        del os.environ[key]
    os.environ.update(env)
    sys.argv = ["prodbot", *args]
    os.chdir(cwd)
    get_settings.cache_clear()
    try:
        yield
    finally:
        os.chdir(saved_cwd)
        sys.argv = saved_argv
        os.environ.clear()
        os.environ.update(saved_environ)
        cli.console, cli.errors = saved_consoles
        cli.CliOptions.debug = saved_debug
        get_settings.cache_clear()
