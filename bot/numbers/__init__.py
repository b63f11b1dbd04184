"""Pure computations over the database: totals, pace, digest and weekly review, repeat problems. No
Slack here.
"""
