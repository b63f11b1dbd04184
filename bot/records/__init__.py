"""The writes: what people report (output, delays, issues), handovers and target overrides. No
Slack here.
"""
