"""``prodbot demo`` (``bot.demo.run.run_demo``) and the fake Slack Web API it shares with the
tests: the bot's whole story on an embedded database, with no Slack workspace."""
