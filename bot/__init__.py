"""How people reach the cohort: CLI, console, Slack, weekly summary."""
