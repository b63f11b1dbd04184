"""What the parts of the ack benchmark share: its fixed settings and its error."""

SLACK_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
SIGNING_SECRET = "bench-signing-secret"
BOT_TOKEN = "xoxb-bench-token"
STARTUP_TIMEOUT = 30.0
REQUEST_TIMEOUT = 30.0


class BenchmarkError(Exception):
    """The run cannot be trusted (a server did not start, replies were errors, rows missing)."""
