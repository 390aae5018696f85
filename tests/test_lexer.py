"""The command lexer: the words (and errors) of `shlex.split`, in linear time; long commands
are refused before any work is done on them."""

from __future__ import annotations

import itertools
import re
import shlex

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sts_queries.answer import understand
from sts_queries.errors import UsageError
from sts_queries.language.lexer import LexError, glue_operators, split
from sts_queries.language.parse import MAX_COMMAND, parse

# Quotes, backslashes, every kind of space and the operators are where lexers differ.
ALPHABET = "ab é'\"\\ \t\r\n\x0b\x0c=<>!≥#$`;"
TEXT = st.text(alphabet=list(ALPHABET), max_size=30)
# One character of each kind the lexers tell apart: a word's, a space, a line end, the two
# quotes, the backslash, a comment's start, an operator.
KINDS = "a \n'\"\\#="


def shlex_or_error(text: str):
    try:
        return shlex.split(text)
    except ValueError as exc:
        return ("error", str(exc))


def split_or_error(text: str):
    try:
        return split(text)
    except LexError as exc:
        return ("error", str(exc))


@settings(max_examples=1000, derandomize=True)
@given(TEXT)
def test_split_gives_the_words_and_errors_of_shlex(text):
    assert split_or_error(text) == shlex_or_error(text)


def test_split_gives_shlex_words_and_errors_for_every_short_text():
    # Every text of up to three characters of the alphabet (every step from one character to
    # the next, with the one before it), and of four of one character of each kind: what
    # the random texts above reach by chance (they were 3,000; 1,000 now), all of it here.
    texts = [
        "".join(chars)
        for alphabet, longest in ((ALPHABET, 3), (KINDS, 4))
        for size in range(longest + 1)
        for chars in itertools.product(alphabet, repeat=size)
    ]
    wrong = [t for t in texts if split_or_error(t) != shlex_or_error(t)]
    assert not wrong, wrong[:5]


@settings(max_examples=1000, derandomize=True)
@given(TEXT)
def test_glue_is_the_regex_it_replaced(text):
    assert glue_operators(text) == re.sub(r"\s*(!=|≠|>=|≥|<=|≤|==|=|>|<)\s*", r"\1", text)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ('orr histology="Synovial Sarcoma"', ["orr", "histology=Synovial Sarcoma"]),
        ("orr histology='a \"b\"'", ["orr", 'histology=a "b"']),
        ('list regimen="AIM \\" x"', ["list", 'regimen=AIM " x']),
        ("a\\ b c", ["a b", "c"]),
        ('""', [""]),
    ],
)
def test_quoting(text, words):
    assert split(text) == words


def test_a_long_command_is_refused_with_its_length_and_the_limit(demo):
    text = "orr histology=" + "L" * (MAX_COMMAND + 10)
    with pytest.raises(UsageError) as caught:
        understand(text, demo)
    assert f"{len(text):,} characters" in caught.value.message
    assert f"{MAX_COMMAND:,}" in caught.value.message
    assert "Usage" in caught.value.hint


def test_a_command_at_the_limit_is_read():
    text = "list regimen=" + " ".join(["AIM"] * 1000)
    text = text[:MAX_COMMAND]
    command = parse(text)
    assert command.conditions[0].value == text.removeprefix("list regimen=").strip()


def test_split_takes_a_megabyte_in_one_pass():
    # Not a timing test: a quadratic lexer would still pass, only slowly; this pins behaviour
    # on inputs far past the command cap (the lexer itself has no cap).
    long = "x" * 1_000_000
    assert split(f'"{long}" {long}') == [long, long]
    assert split(" " * 1_000_000) == []
