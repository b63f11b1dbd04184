"""The inbound Slack edge: commands, buttons, forms, App Home and the error handler.

Exposes only ``register``.
"""

from slack_bolt import App

from handlers import actions, commands, errors, forms, handover_actions, home, issue_actions


def register(app: App) -> None:
    commands.register(app)
    actions.register(app)
    issue_actions.register(app)
    handover_actions.register(app)
    forms.register(app)
    home.register(app)
    errors.register(app)
