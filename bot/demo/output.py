"""The demo's output folder: its SQLite database, every message as Block Kit JSON, the files
the bot uploaded (the digest's chart)."""

import itertools
import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

DATABASE = "prodbot-demo.db"
MESSAGES = "messages"
FILES = "files"


class OutputFolder:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.messages = path / MESSAGES
        self.files = path / FILES
        self.database = path / DATABASE
        self._numbers = itertools.count(1)

    @classmethod
    def prepare(cls, out_dir: Path | None) -> "OutputFolder":
        """A new temporary folder, or ``out_dir`` with an earlier demo's output removed (other
        files there are left alone)."""
        path = Path(tempfile.mkdtemp(prefix="prodbot-demo-")) if out_dir is None else out_dir
        path = path.resolve()
        path.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            (path / (DATABASE + suffix)).unlink(missing_ok=True)
        for folder in (MESSAGES, FILES):
            shutil.rmtree(path / folder, ignore_errors=True)
        return cls(path)

    @property
    def database_url(self) -> str:
        return f"sqlite:///{self.database}"

    def write_message(self, method: str, where: str, payload: dict[str, Any]) -> Path:
        """``messages/NNN-<method>-<where>.json``, numbered in the order Slack received them."""
        self.messages.mkdir(exist_ok=True)
        path = self.messages / f"{next(self._numbers):03d}-{method}-{where}.json"
        path.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        return path

    def write_file(self, name: str, content: bytes) -> Path:
        self.files.mkdir(exist_ok=True)
        path = self.files / (Path(name).name or "upload")
        path.write_bytes(content)
        return path
