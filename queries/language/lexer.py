"""Command text → words, in one pass: the POSIX shell's quoting rules without `shlex`.

`shlex` is quadratic on long tokens (each character is appended to a growing string) and its
error messages are the only thing we used of it besides splitting. This lexer gives the same
words and the same two errors as `shlex.split` (tests/test_lexer.py checks it against shlex on
random text) in time linear in the input.
"""

from __future__ import annotations

import re

__all__ = ["LexError", "glue_operators", "split"]

_OPERATOR = re.compile(r"(!=|≠|>=|≥|<=|≤|==|=|>|<)")
_SPACE = frozenset(" \t\r\n")  # shlex's whitespace in POSIX mode
_ESCAPED_IN_DOUBLE_QUOTES = frozenset('\\"')


class LexError(ValueError):
    """Text that cannot be split: an open quote, or a backslash with nothing after it."""


def glue_operators(text: str) -> str:
    """Remove the spaces around operators, as people type them: `age >= 60` → `age>=60`.

    A regex `\\s*op\\s*` does this too, but backtracks over every run of spaces without an
    operator after it (quadratic); splitting on the operators and trimming is linear.
    """
    pieces = _OPERATOR.split(text)  # text, op, text, op, …, text
    for i in range(1, len(pieces), 2):
        pieces[i - 1] = pieces[i - 1].rstrip()
        pieces[i + 1] = pieces[i + 1].lstrip()
    return "".join(pieces)


def split(text: str) -> list[str]:
    """Words as `shlex.split(text)` gives them, or LexError with shlex's message."""
    words: list[str] = []
    word: list[str] = []
    in_word = False
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch in _SPACE:
            if in_word:
                words.append("".join(word))
                word, in_word = [], False
            i += 1
        elif ch == "'":  # everything up to the next ' is literal
            end = text.find("'", i + 1)
            if end < 0:
                raise LexError("No closing quotation")
            word.append(text[i + 1 : end])
            in_word, i = True, end + 1
        elif ch == '"':  # literal except \" and \\
            i = _double_quoted(text, i + 1, word)
            in_word = True
        elif ch == "\\":
            if i + 1 >= n:
                raise LexError("No escaped character")
            word.append(text[i + 1])
            in_word, i = True, i + 2
        else:
            word.append(ch)
            in_word, i = True, i + 1
    if in_word:
        words.append("".join(word))
    return words


def _double_quoted(text: str, i: int, word: list[str]) -> int:
    """Append the inside of a double-quoted span starting at `i`; the index after its end."""
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == '"':
            return i + 1
        if ch == "\\":
            if i + 1 >= n:
                raise LexError("No escaped character")
            if text[i + 1] in _ESCAPED_IN_DOUBLE_QUOTES:
                word.append(text[i + 1])
                i += 2
                continue
        word.append(ch)
        i += 1
    raise LexError("No closing quotation")
