"""Reply → Block Kit: Slack's limits hold whatever the reply, and nothing is cut off silently."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sts_bot.render.answers import Reply, Table, compose
from sts_bot.slack.blocks import MAX_BLOCKS, MAX_SECTION, SHARE_ACTION, Image, to_blocks
from sts_queries.answer import ask


def section_texts(blocks) -> list[str]:
    return [b["text"]["text"] for b in blocks if b["type"] == "section"]


def assert_within_limits(message) -> None:
    assert len(message.blocks) <= MAX_BLOCKS
    sections = section_texts(message.blocks)
    assert all(t.strip() and len(t) <= MAX_SECTION for t in sections)
    headers = [b for b in message.blocks if b["type"] == "header"]
    assert all(len(h["text"]["text"]) <= 150 for h in headers)
    for context in (b for b in message.blocks if b["type"] == "context"):
        assert len(context["elements"]) <= 10
    # An entity split in two would show as "&am" in Slack.
    assert not any(re.search(r"&[a-z]{0,3}$", t) for t in section_texts(message.blocks))


def test_a_short_answer_is_header_sections_table_context_and_button(demo):
    reply = compose(ask("pfs by=stage", demo))
    message = to_blocks(reply, share_command="pfs by=stage")
    kinds = [b["type"] for b in message.blocks]
    # median, events and landmarks, follow-up, the hazard ratios, log-rank, then the table
    assert kinds == ["header", *["section"] * 6, "context", "actions"]
    assert message.blocks[0]["text"]["text"] == "PFS · by stage · n = 14"
    assert section_texts(message.blocks)[4].startswith("*log-rank: p = ")  # not fine print
    table = section_texts(message.blocks)[-1]
    assert table.startswith("```\nstage") and table.endswith("```")
    assert message.attachment is None
    button = message.blocks[-1]["elements"][0]
    assert (button["action_id"], button["value"]) == (SHARE_ACTION, "pfs by=stage")
    assert message.text == "PFS · by stage · n = 14"  # the notification fallback


def lines_table(text: str) -> Table:
    """A one-column table whose lines are `text`'s lines."""
    first, *rest = text.split("\n")
    return Table(header=(first,), rows=tuple((line,) for line in rest))


def test_a_long_answer_stays_within_limits_and_the_rest_becomes_a_file():
    table = lines_table("\n".join(f"{i:>4}  {'x' * 60}" for i in range(200)))  # ~13,000 chars
    reply = Reply(
        header="List · " + " · ".join(f"field{i} = value{i}" for i in range(20)),  # > 150 chars
        sections=(*(f"Section {i}: " + "y" * 200 for i in range(80)), "z" * 7000),
        table=table,
        context=tuple(f"Caveat {i}." for i in range(15)),
    )
    message = to_blocks(reply, share_command="list")
    assert_within_limits(message)
    assert message.blocks[0]["type"] == "section"  # too long for a header block
    assert not any("```" in t for t in section_texts(message.blocks))  # no table in blocks
    attachment = message.attachment
    assert attachment is not None and attachment.filename.endswith(".txt")
    assert table.text in attachment.content and "z" * 7000 in attachment.content
    assert f"`{attachment.filename}`" in section_texts(message.blocks)[-1]


def test_a_table_too_wide_for_a_tumor_board_screen_goes_as_csv():
    table = Table(header=("term", "detail"), rows=tuple((f"t{i}", "x" * 70) for i in range(3)))
    message = to_blocks(Reply(header="Toxicity · n = 14", sections=("*3 terms*",), table=table))
    assert_within_limits(message)
    assert not any("```" in t for t in section_texts(message.blocks))
    assert message.attachment.filename.endswith(".csv")
    assert message.attachment.content.splitlines()[0] == "term,detail"
    assert "The table (3 rows) is in the attached file" in section_texts(message.blocks)[-1]


def test_a_patient_card_has_no_share_button():
    message = to_blocks(Reply(header="Patient 8", shareable=False), share_command="patient 8")
    assert all(b["type"] != "actions" for b in message.blocks)


def test_a_table_too_long_for_a_section_becomes_a_file_and_the_rest_stays():
    table = lines_table("\n".join(f"{i:>4}  {'x' * 50}" for i in range(60)))
    message = to_blocks(Reply(header="List · n = 60", sections=("*60 patients*",), table=table))
    assert_within_limits(message)
    assert section_texts(message.blocks)[0] == "*60 patients*"
    assert "The table is in the attached file" in section_texts(message.blocks)[-1]
    assert table.text in message.attachment.content


def test_user_text_cannot_become_links_or_mentions():
    reply = Reply(
        header="Count · age < 40 · n = 3", sections=("*3 of 14* match age < 40 & <!here>",)
    )
    message = to_blocks(reply)
    assert message.blocks[0]["text"]["text"] == "Count · age < 40 · n = 3"  # plain text as is
    assert section_texts(message.blocks)[0] == "*3 of 14* match age &lt; 40 &amp; &lt;!here&gt;"


def test_errors_have_no_header_block_and_no_share_button():
    reply = Reply(
        header="Unknown field `histolgy`.", sections=("Did you mean `histology`?",), error=True
    )
    message = to_blocks(reply, share_command="orr histolgy=LPS")
    assert [b["type"] for b in message.blocks] == ["section", "section"]
    assert message.blocks[0]["text"]["text"] == ":warning: *Unknown field `histolgy`.*"


def test_images_shown_through_slack_file_and_shared_by_in_context():
    reply = Reply(header="PFS · n = 14", sections=("*Median PFS 8.25 months*",))
    message = to_blocks(
        reply,
        images=(Image(file_id="F0123ABCD", title="PFS · n = 14"),),
        shared_by="U0ASKER01",
        command="pfs share",
    )
    image = next(b for b in message.blocks if b["type"] == "image")
    assert image["slack_file"] == {"id": "F0123ABCD"} and image["alt_text"] == "PFS · n = 14"
    context = json.dumps(message.blocks[-1], ensure_ascii=False)
    assert "Shared by <@U0ASKER01> · `/sts pfs share`" in context
    assert "actions" not in json.dumps(message.blocks)


@pytest.mark.parametrize("length", [1999, 2000, 2001])
def test_the_share_button_carries_the_command_while_slack_allows(length):
    command = "orr " + "x" * (length - 4)
    message = to_blocks(Reply(header="ORR · n = 14"), share_command=command)
    has_button = message.blocks[-1]["type"] == "actions"
    assert has_button == (length <= 2000)


@settings(max_examples=60, deadline=None)
@given(
    header=st.text(min_size=1, max_size=300),
    sections=st.lists(st.text(alphabet="ab &<>*\n", max_size=4000), max_size=70),
    table=st.none() | st.text(alphabet="xy &<>\n", max_size=6000),
    context=st.lists(st.text(max_size=200), max_size=20),
    images=st.integers(min_value=0, max_value=3),
)
def test_any_reply_fits_block_kit(header, sections, table, context, images):
    reply = Reply(
        header=header,
        sections=tuple(sections),
        table=None if table is None else lines_table(table),
        context=tuple(context),
    )
    pictures = tuple(Image(file_id=f"F{i:08d}", title="plot") for i in range(images))
    message = to_blocks(reply, share_command="orr", images=pictures)
    assert_within_limits(message)
