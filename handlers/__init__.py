"""The inbound Slack edge: commands, actions and the error handler. Exposes only ``register``."""

from slack_bolt import App

from handlers import actions, commands, errors


def register(app: App) -> None:
    commands.register(app)
    actions.register(app)
    errors.register(app)
