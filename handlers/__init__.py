"""The inbound Slack edge: commands, actions and the error handler. Exposes only ``register``."""

from slack_bolt import App


def register(app: App) -> None:
    from handlers import actions, commands, errors

    commands.register(app)
    actions.register(app)
    errors.register(app)
