"""The time-driven edge: scheduled jobs."""
