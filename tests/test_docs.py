"""Docs stay true: every metric and demo field appears in `/sts help` and the README."""

from __future__ import annotations

import pytest

from sts_queries.answer import ask
from sts_queries.metrics.registry import METRICS
from tests.conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")
NAMES = [m.name for m in METRICS]


@pytest.mark.parametrize("metric", NAMES)
def test_every_metric_has_help_and_a_readme_example(demo, metric):
    assert f"`{metric}`" in README and f"/sts {metric}" in README
    assert any(line.startswith(f"{metric} — ") for line in ask("help", demo).body.lines)


@pytest.mark.parametrize("metric", [m for m in NAMES if m != "help"])
def test_help_topic_shows_examples(demo, metric):
    lines = ask(f"help {metric}", demo).body.lines
    assert lines[0].startswith(f"{metric}: ")
    assert any(line.startswith(f"/sts {metric}") for line in lines)


def test_every_demo_field_is_listed_by_fields(demo):
    listed = {row["field"] for row in ask("fields", demo).as_json()["fields"]}
    assert listed == set(demo.catalog.names()) - {"patient_id"}


def test_readme_shows_the_two_commands_and_every_cli_command():
    for text in ("make run", "make test", "sts ask", "sts check", "sts serve", "sts summary"):
        assert text in README
