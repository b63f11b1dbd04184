"""``prodbot serve``: the WSGI app under gunicorn, the same server the Procfile's ``web`` runs."""

from typing import Any

from gunicorn.app.base import BaseApplication

from bot.entry.wsgi import create_wsgi_app


class _ProdbotServer(BaseApplication):
    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        """Runs in each worker after the fork, so no worker shares a database connection."""
        return create_wsgi_app()


def run_gunicorn(*, host: str, port: int, workers: int, threads: int) -> None:
    _ProdbotServer(
        {
            "bind": f"{host}:{port}",
            "workers": workers,
            "threads": threads,
            "worker_class": "gthread",
            "timeout": 30,
            "graceful_timeout": 10,
        }
    ).run()
