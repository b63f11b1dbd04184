"""The only code that calls the Slack Web API: the client, the outbox's sender, boards, files and
the answers to requests.
"""
