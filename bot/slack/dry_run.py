"""A Slack client that sends nothing: every Web API call it is asked to make is shown instead.

``prodbot jobs run NAME --dry-run`` runs the job with it (and rolls its database work back), so an
admin sees what the job would post, update or upload without posting or claiming anything.
"""

from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.web import SlackResponse

Show = Callable[[str], None]


class DryRunClient(WebClient):
    """Answers every call "ok" without sending it, after showing it with ``show``."""

    show: Show = print

    def api_call(
        self, api_method: str, *, json: dict[str, Any] | None = None, **kwargs: Any
    ) -> SlackResponse:
        args = {**(kwargs.get("params") or {}), **(kwargs.get("data") or {}), **(json or {})}
        if api_method not in {"conversations.history", "conversations.replies", "auth.test"}:
            self.show(_describe(api_method, args))
        return SlackResponse(
            client=self,
            http_verb="POST",
            api_url=api_method,
            req_args={},
            data={
                "ok": True,
                "ts": "dry-run",
                "channel": args.get("channel") or "dry-run",
                "messages": [],
                "url": "https://dry-run.invalid/",
                "file": {"id": "dry-run"},
            },
            headers={},
            status_code=200,
        )

    def files_upload_v2(self, **kwargs: Any) -> SlackResponse:
        return self.api_call(
            "files.upload",
            json={
                "channel": kwargs.get("channel"),
                "text": f"file {kwargs.get('filename')} ({kwargs.get('title')})",
                "thread_ts": kwargs.get("thread_ts"),
            },
        )


def _describe(method: str, args: dict[str, Any]) -> str:
    where = args.get("channel") or args.get("users") or ""
    thread = f" (thread {args['thread_ts']})" if args.get("thread_ts") else ""
    text = str(args.get("text") or "").strip()
    return f"would {method} to {where}{thread}:\n    " + text.replace("\n", "\n    ")
