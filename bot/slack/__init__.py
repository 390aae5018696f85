"""Slack, and only here: the Bolt app, the listeners, Block Kit, delivery, the HTTP edge."""
