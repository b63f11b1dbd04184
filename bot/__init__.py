"""prodbot: the production assistant that lives in Slack."""
