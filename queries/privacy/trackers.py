"""A defence against trackers: what one asker, or one channel, has already been shown.

Small-cell rules judge each answer alone. A tracker (Denning, Denning & Schwartz, 1979) asks
two or more answers whose patient sets differ by one patient and subtracts: `orr age=30..88`
and `orr age=30..89` give the 89-year-old's response, `pfs histology=LPS,UPS,EES` against
`LPS,UPS` the one EES patient's PFS. This is query-set auditing (the "audit expert" of Chin &
Özsoyoğlu, 1982), kept per place an answer was shown in:

- every set of patients an answer shows a number of (its selection, each group it shows) is
  remembered, as a bitmap over the cohort's rows, per scope (the asker; the channel) and per
  cohort version;
- an answer is refused when one of its sets differs from one already shown there by 1 to k−1
  patients (two-query differences, whatever the filters that made them), or by none when other
  conditions made it: were that answered, answered-or-refused would tell "none" from "a few";
- on cohorts of up to `SPAN_LIMIT` patients, also when the sets shown there, with the new
  ones, would let one patient's own value be worked out by adding and subtracting answers:
  the patient's indicator lies in the span of the sets (three-query and longer trackers such
  as `EES = (LPS,UPS,EES) − LPS − UPS`). The check is exact for counts and sums (responders,
  events, grades); for medians it is conservative.

What it does not stop is said in the README: askers who pool what several scopes saw, and
combinations isolating two to four patients that no single difference shows.
The whole cohort counts as seen from the start: everyone may know the overall answers, so a
set one patient short of it is refused rather than the overall answer after it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

__all__ = ["SPAN_LIMIT", "Memory", "PatientSet", "tracker_refusal"]

# Above this many patients only the two-set differences are checked: the basis of the sets'
# span is n × rank floats per scope (5,000 × 500 is 20 MB).
SPAN_LIMIT = 5000
_ISOLATED = 1 - 1e-9  # a squared row norm of the orthonormal basis this close to 1: in the span
_NEW_DIRECTION = 1e-8


@dataclass(frozen=True)
class PatientSet:
    """A set of patients as packed bits over the cohort's rows (rowid 0 … n−1)."""

    bits: bytes
    size: int
    # What defined it, in words ("histology = LPS; age ≥ 60"): the same patients reached by
    # other conditions are a difference of none, which an answer may not confirm either.
    definition: str = ""

    @classmethod
    def of(cls, rows: Sequence[int] | np.ndarray, n: int, definition: str = "") -> PatientSet:
        mask = np.zeros(n, dtype=bool)
        mask[np.asarray(rows, dtype=np.int64)] = True
        return cls(bits=np.packbits(mask).tobytes(), size=int(mask.sum()), definition=definition)

    def digest(self) -> str:
        return hashlib.blake2b(self.bits, digest_size=16).hexdigest()

    def mask(self, n: int) -> np.ndarray:
        return np.unpackbits(np.frombuffer(self.bits, dtype=np.uint8), count=n).astype(bool)

    def difference(self, other: PatientSet) -> int:
        """How many patients are in one set and not the other."""
        a = np.frombuffer(self.bits, dtype=np.uint8)
        b = np.frombuffer(other.bits, dtype=np.uint8)
        return int(np.bitwise_count(a ^ b).sum())


_DIFFERENCE = (
    "an answer already shown {place} covers a set of patients that differs from this one by "
    "fewer than {k} (or by none, reached by other conditions): side by side, the two would give "
    "those patients' values away"
)
_SPAN = (
    "with the answers already shown {place}, this one would let a single patient's values be "
    "worked out by adding and subtracting answers"
)


@dataclass
class Memory:
    """The patient sets one scope has been shown, over a cohort of `n` patients."""

    n: int
    sets: dict[str, PatientSet] = field(default_factory=dict)
    definitions: dict[str, set[str]] = field(default_factory=dict)  # by digest
    basis: np.ndarray | None = None  # n × rank, orthonormal columns; None above SPAN_LIMIT

    def __post_init__(self) -> None:
        if self.basis is None and self.n <= SPAN_LIMIT:
            self.basis = np.zeros((self.n, 0))
        self.remember([PatientSet.of(np.arange(self.n), self.n)])

    def refusal(self, new: Sequence[PatientSet], k: int, place: str) -> str | None:
        """Why showing `new` here would be a tracker's step, or None."""
        for a in new:
            for digest, b in self.sets.items():
                if abs(a.size - b.size) >= k:
                    continue
                d = a.difference(b)
                if 0 < d < k or (d == 0 and a.definition not in self.definitions[digest]):
                    return _DIFFERENCE.format(place=place, k=k)
        if self.basis is not None:
            basis = _extended(self.basis, [s.mask(self.n) for s in new if s.size])
            if basis.shape[1] > self.basis.shape[1] and _isolates(basis):
                return _SPAN.format(place=place)
        return None

    def remember(self, new: Sequence[PatientSet]) -> None:
        fresh = [s for s in new if s.digest() not in self.sets]
        for s in new:
            self.sets.setdefault(s.digest(), s)
            self.definitions.setdefault(s.digest(), set()).add(s.definition)
        if self.basis is not None and fresh:
            self.basis = _extended(self.basis, [s.mask(self.n) for s in fresh if s.size])


def tracker_refusal(
    memories: Sequence[tuple[Memory, str]], new: Sequence[PatientSet], k: int
) -> str | None:
    """The first scope's reason to refuse `new` (each memory with how its place is named)."""
    for memory, place in memories:
        reason = memory.refusal(new, k, place)
        if reason is not None:
            return reason
    return None


def _extended(basis: np.ndarray, vectors: Sequence[np.ndarray]) -> np.ndarray:
    """`basis` with the directions of `vectors` it lacks (Gram–Schmidt, twice for accuracy)."""
    for v in vectors:
        r = v.astype(float)
        scale = max(float(np.linalg.norm(r)), 1.0)
        for _ in range(2):
            r = r - basis @ (basis.T @ r)
        norm = float(np.linalg.norm(r))
        if norm > _NEW_DIRECTION * scale:
            basis = np.column_stack([basis, r / norm])
    return basis


def _isolates(basis: np.ndarray) -> bool:
    """Whether some patient's indicator vector lies in the span (its projection has norm 1)."""
    return bool((np.einsum("ij,ij->i", basis, basis) >= _ISOLATED).any())
