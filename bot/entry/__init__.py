"""The faces of prodbot: the command line, the Bolt app factory, the WSGI app, the server and the
Slack manifest.
"""
