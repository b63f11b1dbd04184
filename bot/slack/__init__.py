"""The only code that calls the Slack Web API: the client, the posting ledger, boards and the other
posts.
"""
