"""The Slack app manifest: commands, scopes, interactivity and Socket Mode in one document."""

from typing import Any

from bot.messages.ids import Command

COMMAND_DESCRIPTIONS = {
    Command.OUTPUT: (
        "Report good and scrap units",
        "[LINE] GOOD [scrap N [REASON]] [shift S] [note…]",
    ),
    Command.DELAY: ("Log downtime", "[LINE] DURATION REASON [note…]"),
    Command.ISSUE: ("Raise a production issue", "[LINE] SEVERITY TEXT…"),
    Command.PROD: ("Status, targets, undo, export, help", "status|target|undo|export|help …"),
}
BOT_SCOPES = [
    "commands",
    "chat:write",
    "chat:write.public",
    "im:write",
    "files:write",
    "users:read",
    # `prodbot plant load` and `prodbot slack whois`: names in the plant file to ids.
    "users:read.email",
    "channels:read",
    "groups:read",
    "channels:history",
    "groups:history",
    "im:history",
]


def build_manifest(*, request_url: str | None = None) -> dict[str, Any]:
    """Socket Mode unless ``request_url`` (the public base URL of ``prodbot serve``) is given."""
    events_url = f"{request_url.rstrip('/')}/slack/events" if request_url else None
    commands = []
    for command, (description, hint) in COMMAND_DESCRIPTIONS.items():
        entry = {"command": command.value, "description": description, "usage_hint": hint}
        if events_url:
            entry["url"] = events_url
        commands.append(entry)
    interactivity: dict[str, Any] = {"is_enabled": True}
    event_subscriptions: dict[str, Any] = {"bot_events": ["app_home_opened"]}
    if events_url:
        interactivity["request_url"] = events_url
        event_subscriptions["request_url"] = events_url
    return {
        "display_information": {
            "name": "prodbot",
            "description": "Shift reports, targets, delays and issues from the shop floor.",
            "background_color": "#1d3b53",
        },
        "features": {
            "bot_user": {"display_name": "prodbot", "always_online": True},
            "app_home": {
                "home_tab_enabled": True,
                "messages_tab_enabled": False,
                "messages_tab_read_only_enabled": False,
            },
            "slash_commands": commands,
        },
        "oauth_config": {"scopes": {"bot": BOT_SCOPES}},
        "settings": {
            "interactivity": interactivity,
            "event_subscriptions": event_subscriptions,
            "org_deploy_enabled": False,
            "socket_mode_enabled": events_url is None,
            "token_rotation_enabled": False,
        },
    }
