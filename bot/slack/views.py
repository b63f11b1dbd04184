"""Modals and the App Home tab: ``views.open`` and ``views.publish``.

A modal must open within three seconds of its trigger, so these are called in the request and
a refusal is raised to the error handler, which tells the person.
"""

from slack_sdk import WebClient
from slack_sdk.models.views import View

__all__ = ["View", "open_modal", "publish_home"]


def open_modal(client: WebClient, *, trigger_id: str, view: View) -> None:
    client.views_open(trigger_id=trigger_id, view=view)


def publish_home(client: WebClient, *, user_id: str, view: View) -> None:
    client.views_publish(user_id=user_id, view=view)
