"""A fake Slack Web API: a stdlib HTTP server on port 0 that records every call.

Used by the tests and by `prodbot demo`, which has no Slack workspace to talk to.

Point a ``WebClient`` (or ``SLACK_API_URL``) at ``fake.base_url``. Each call is recorded with its
method name and arguments, merged from the query string and a form or JSON body the way Slack
reads them; JSON-valued form fields (``blocks``, ``files``, ``view``) are decoded. Tests can slow
every call down, or make the next calls to a method fail with an HTTP status.
"""

import itertools
import json
import selectors
import socket
import socketserver
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

BOT_USER_ID = "U0PRODBOT1"
TEAM_ID = "T0FACTORY1"
JSON_FIELDS = ("blocks", "attachments", "files", "view", "metadata")
# Calls to a command's or action's response_url are recorded under this name.
RESPONSE_URL = "response_url"
HOLD_AT_MOST = 30.0  # seconds a held call (``FakeSlackAPI.hold``) waits if never released


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    at: float = field(default_factory=time.monotonic)
    answer: dict[str, Any] = field(default_factory=dict)  # what the fake replied, e.g. its ts


@dataclass
class _Failure:
    status: int
    remaining: int
    retry_after: int | None


class PromptShutdown(socketserver.TCPServer):
    """A server whose ``shutdown()`` returns at once: ``socketserver``'s ``serve_forever``
    sees its stop flag only when ``select`` times out (every half a second), so each shutdown
    waited up to that long; this loop also watches a socket pair that ``shutdown()`` writes to.
    Put it first: ``class Server(PromptShutdown, ThreadingHTTPServer)``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._wake_up, self._wake_up_call = socket.socketpair()
        self._stopped = threading.Event()
        super().__init__(*args, **kwargs)

    def serve_forever(self, poll_interval: float = 0.5) -> None:
        self._stopped.clear()
        try:
            with selectors.DefaultSelector() as selector:
                selector.register(self, selectors.EVENT_READ)
                selector.register(self._wake_up, selectors.EVENT_READ)
                while True:
                    ready = {key.fileobj for key, _ in selector.select(poll_interval)}
                    if self._wake_up in ready:
                        self._wake_up.recv(1)
                        return
                    if self in ready:
                        self.handle_request()  # a connection is waiting: accepted at once
                    self.service_actions()
        finally:
            self._stopped.set()

    def shutdown(self) -> None:
        """Stop ``serve_forever`` (running in another thread) and wait until it has."""
        self._wake_up_call.send(b"\0")
        self._stopped.wait()

    def server_close(self) -> None:
        super().server_close()
        self._wake_up.close()
        self._wake_up_call.close()


class _FakeSlackServer(PromptShutdown, ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 64  # the outbox posts to several channels at once; 5 resets some


class FakeSlackAPI:
    def __init__(self, *, latency: float = 0.0) -> None:
        self.latency = latency
        # The organisation the bot token belongs to, for tests of Enterprise Grid installs.
        self.enterprise_id: str | None = None
        self.calls: list[Call] = []
        self.uploads: dict[str, bytes] = {}
        # users.info: a user's profile fields by id (display_name, real_name); others have none.
        self.profiles: dict[str, dict[str, str]] = {}
        self.socket_url = "ws://127.0.0.1:9/unset"
        # The workspace's directory: conversations.list answers ``channels`` (id, name,
        # is_private, is_archived), users.list and users.lookupByEmail ``users`` (id, name,
        # deleted, is_bot, profile with display_name, real_name, email); listings come in pages
        # of at most ``page_size`` items.
        self.channels: list[dict[str, Any]] = []
        self.users: list[dict[str, Any]] = []
        self.page_size = 1000
        self._failures: dict[str, _Failure] = {}
        # Posted messages by conversation (a DM under its D… id), for conversations.history.
        self.messages: dict[str, list[dict[str, Any]]] = {}
        self._file_names: dict[str, str] = {}
        # Methods that do their work, then answer only after this many seconds (a slow Slack).
        self.slow: dict[str, float] = {}
        # Methods whose calls wait, unrecorded, until their event is set (``hold``).
        self._held: dict[str, threading.Event] = {}
        self._lock = threading.Condition()
        self._ts = itertools.count(1)
        self._server = _FakeSlackServer(("127.0.0.1", 0), self._handler_class())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/api/"

    def start(self) -> "FakeSlackAPI":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def fail(
        self, method: str, *, status: int = 500, times: int = 1, retry_after: int | None = None
    ) -> None:
        """Answer the next ``times`` calls to ``method`` with HTTP ``status``."""
        self._failures[method] = _Failure(status, times, retry_after)

    def hold(self, method: str) -> threading.Event:
        """Keep calls to ``method`` waiting, not yet recorded nor answered, until the returned
        event is set: a Slack that has not answered yet, for as long as a test needs."""
        gate = self._held[method] = threading.Event()
        return gate

    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [call for call in self.calls if call.method == method]

    def wait_for(self, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        """Block until ``count`` calls to ``method`` arrived (bot posts happen after the ack)."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                calls = [call for call in self.calls if call.method == method]
                if len(calls) >= count:
                    return calls
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    seen = sorted({call.method for call in self.calls})
                    raise AssertionError(
                        f"expected {count} call(s) to {method}, got {len(calls)}; seen: {seen}"
                    )
                self._lock.wait(remaining)

    def reset(self) -> None:
        with self._lock:
            self.calls.clear()

    def _record(self, method: str, args: dict[str, Any]) -> Call:
        call = Call(method, args)
        with self._lock:
            self.calls.append(call)
            self._lock.notify_all()
        return call

    def _answer(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        handler: Callable[[dict[str, Any]], dict[str, Any]] | None = getattr(
            self, "_api_" + method.replace(".", "_"), None
        )
        return handler(args) if handler else {"ok": True}

    def _next_ts(self) -> str:
        return f"1790000000.{next(self._ts):06d}"

    def _api_auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        return {
            "ok": True,
            "url": "https://factory.slack.com/",
            "team": "Factory",
            "user": "prodbot",
            "team_id": TEAM_ID,
            "user_id": BOT_USER_ID,
            "bot_id": "B0PRODBOT1",
            "enterprise_id": self.enterprise_id,
            "is_enterprise_install": False,
        }

    def _api_chat_postMessage(self, args: dict[str, Any]) -> dict[str, Any]:
        ts = self._next_ts()
        channel = str(args.get("channel", ""))
        conversation = _dm_channel(channel) if channel.startswith(("U", "W")) else channel
        message = {
            "type": "message",
            "ts": ts,
            "text": args.get("text", ""),
            "thread_ts": args.get("thread_ts"),
            "metadata": args.get("metadata"),
            # The fake's ts do not follow the clock; ``posted_at`` stands in for it in ``oldest``.
            "posted_at": time.time(),
        }
        with self._lock:
            self.messages.setdefault(conversation, []).append(message)
        return {"ok": True, "channel": conversation, "ts": ts, "message": {"ts": ts}}

    def _api_conversations_history(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "messages": self._conversation(args, thread_ts=None)}

    def _api_conversations_replies(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "messages": self._conversation(args, thread_ts=args.get("ts"))}

    def _conversation(self, args: dict[str, Any], *, thread_ts: str | None) -> list[dict[str, Any]]:
        """Newest first, like Slack; top-level messages, or one thread's replies."""
        oldest = float(args.get("oldest") or 0)
        with self._lock:
            messages = list(self.messages.get(str(args.get("channel", "")), []))
        return [
            {key: value for key, value in message.items() if key != "posted_at"}
            for message in reversed(messages)
            if message["posted_at"] >= oldest and message["thread_ts"] == thread_ts
        ]

    def _api_chat_update(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "channel": args.get("channel"), "ts": args.get("ts")}

    def _api_chat_postEphemeral(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "message_ts": self._next_ts()}

    def _api_conversations_open(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "channel": {"id": _dm_channel(str(args.get("users", "")))}}

    def _api_users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        user_id = str(args.get("user", ""))
        profile = {"display_name": "", "real_name": "", **self.profiles.get(user_id, {})}
        return {
            "ok": True,
            "user": {
                "id": user_id,
                "team_id": TEAM_ID,
                "name": user_id.lower(),
                "real_name": profile["real_name"],
                "is_bot": False,
                "profile": profile,
            },
        }

    def _api_conversations_list(self, args: dict[str, Any]) -> dict[str, Any]:
        types = str(args.get("types") or "public_channel").split(",")
        archived = str(args.get("exclude_archived", "")).lower() not in {"1", "true"}
        channels = [
            channel
            for channel in self.channels
            if ("private_channel" if channel.get("is_private") else "public_channel") in types
            and (archived or not channel.get("is_archived"))
        ]
        return self._page("channels", channels, args)

    def _api_users_list(self, args: dict[str, Any]) -> dict[str, Any]:
        return self._page("members", self.users, args)

    def _api_users_lookupByEmail(self, args: dict[str, Any]) -> dict[str, Any]:
        email = str(args.get("email", "")).casefold()
        for user in self.users:
            if str(user.get("profile", {}).get("email", "")).casefold() == email:
                return {"ok": True, "user": user}
        return {"ok": False, "error": "users_not_found"}

    def _page(self, key: str, items: list[dict[str, Any]], args: dict[str, Any]) -> dict[str, Any]:
        """One page of a listing; the cursor is the offset of the next page."""
        start = int(args.get("cursor") or 0)
        end = start + min(int(args.get("limit") or 100), self.page_size)
        cursor = str(end) if end < len(items) else ""
        return {"ok": True, key: items[start:end], "response_metadata": {"next_cursor": cursor}}

    def _api_files_getUploadURLExternal(self, args: dict[str, Any]) -> dict[str, Any]:
        file_id = f"F{next(self._ts):08d}"
        with self._lock:
            self._file_names[file_id] = str(args.get("filename", ""))
        return {"ok": True, "file_id": file_id, "upload_url": self.base_url + "upload/" + file_id}

    def _api_files_completeUploadExternal(self, args: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            files = [
                {"id": f["id"], "title": f.get("title"), "name": self._file_names.get(f["id"])}
                for f in args.get("files", [])
            ]
        if channel := args.get("channel_id"):  # shared: it shows as a message with its files
            message = {
                "type": "message",
                "ts": self._next_ts(),
                "text": args.get("initial_comment", ""),
                "thread_ts": args.get("thread_ts"),
                "files": files,
                "posted_at": time.time(),
            }
            with self._lock:
                self.messages.setdefault(str(channel), []).append(message)
        return {"ok": True, "files": files}

    def _api_apps_connections_open(self, args: dict[str, Any]) -> dict[str, Any]:
        """Socket Mode: where to connect (a test sets ``socket_url`` to its websocket server)."""
        return {"ok": True, "url": self.socket_url}

    def _api_views_open(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "view": {"id": "V" + self._next_ts().replace(".", "")}}

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                """Silence the default stderr access log."""

            def do_POST(self) -> None:
                url = urlsplit(self.path)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if fake.latency:
                    time.sleep(fake.latency)
                if url.path.startswith("/api/upload/"):
                    fake.uploads[url.path.rsplit("/", 1)[-1]] = body
                    self._reply(200, b"OK", "text/plain")
                    return
                method = url.path.removeprefix("/api/")
                if method.startswith("response/"):
                    method = RESPONSE_URL
                if (gate := fake._held.get(method)) is not None:
                    gate.wait(HOLD_AT_MOST)
                args = _parse_args(url.query, body, self.headers.get("Content-Type", ""))
                call = fake._record(method, args)
                failure = fake._failures.get(method)
                if failure and failure.remaining > 0:
                    failure.remaining -= 1
                    headers = (
                        {"Retry-After": str(failure.retry_after)} if failure.retry_after else {}
                    )
                    payload = json.dumps({"ok": False, "error": "fake_failure"}).encode()
                    self._reply(failure.status, payload, "application/json", headers)
                    return
                call.answer = fake._answer(method, args)
                if delay := fake.slow.get(method):
                    time.sleep(delay)  # done, but the caller may have given up waiting
                self._reply(200, json.dumps(call.answer).encode(), "application/json")

            def _reply(
                self,
                status: int,
                body: bytes,
                content_type: str,
                headers: dict[str, str] | None = None,
            ) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

        return Handler


def _dm_channel(user_id: str) -> str:
    return "D" + user_id.lstrip("UW")


def _parse_args(query: str, body: bytes, content_type: str) -> dict[str, Any]:
    args: dict[str, Any] = dict(parse_qsl(query))
    if "application/json" in content_type:
        args.update(json.loads(body or b"{}"))
    else:
        args.update(parse_qsl(body.decode()))
    for name in JSON_FIELDS:
        if isinstance(args.get(name), str):
            with suppress(ValueError):
                args[name] = json.loads(args[name])
    return args


@contextmanager
def running_fake_slack(*, latency: float = 0.0) -> Iterator[FakeSlackAPI]:
    fake = FakeSlackAPI(latency=latency).start()
    try:
        yield fake
    finally:
        fake.stop()
