"""The inbound Slack edge: the workspace check, commands, buttons, forms, App Home and the
error handler.

Exposes only ``register``.
"""

from slack_bolt import App

from handlers import (
    errors,
    forms,
    handover_actions,
    home,
    issue_actions,
    output_confirmation,
    prod_command,
    report_commands,
    workspace,
)


def register(app: App) -> None:
    workspace.register(app)  # before any listener runs
    report_commands.register(app)
    prod_command.register(app)
    output_confirmation.register(app)
    issue_actions.register(app)
    handover_actions.register(app)
    forms.register(app)
    home.register(app)
    errors.register(app)
