"""The inbound Slack edge: commands, actions and views. Exposes only ``register(app)``."""
