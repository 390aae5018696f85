"""New data is taken up only when published whole: a `_SUCCESS` marker or a link swap.

A fake clock stands for time passing (copies that stall far longer than the settling time),
so what is tested is the protocol, not the machine's speed. Each new version here changes two
tables (a 15th patient, and a grade 3 event for case 1): an answer from a mixture of old and
new files, or from a half-written file, shows as a count that no published version gives.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from sts_bot.service.service import Service
from sts_bot.service.source import MARKER, CohortSource
from sts_queries.cohort.cohort import demo_path, load_cohort
from sts_queries.errors import CohortDataError


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def seen(cohort) -> tuple[int, int]:
    """(patients, patients with an adverse event of grade 3 or more): (14, 5) old, (15, 6) new."""
    severe = Service.over(cohort).respond("tox grade>=3", with_plots=False)
    return cohort.rows(), severe.json["patients_with_event"]


def new_files(folder: Path) -> dict[str, str]:
    """The next version's two changed tables: a 15th patient, and case 1's grade 3 event."""
    patients = (folder / "patients.csv").read_text()
    last = patients.rstrip("\n").rsplit("\n", 1)[1]
    events = (folder / "adverse_events.csv").read_text()
    return {
        "patients.csv": patients + "15" + last[last.index(",") :] + "\n",
        "adverse_events.csv": events + "1,Hypertension,3,2,2019-08-01,,reconstructed\n",
    }


def test_a_marked_copy_is_not_served_whatever_its_pauses_and_then_whole(demo_copy):
    clock = Clock()
    (demo_copy / MARKER).touch()
    reads = []

    def load(folder):
        reads.append(folder)
        return load_cohort(folder)

    source = CohortSource(demo_copy, load, settle=2.0, background=False, clock=clock)
    assert seen(source.current()) == (14, 5)
    answers = set()
    (demo_copy / MARKER).unlink()  # the writer's first step
    for name, text in new_files(demo_copy).items():
        with (demo_copy / name).open("w") as handle:
            half = len(text) // 2
            handle.write(text[:half])
            handle.flush()
            for _ in range(5):  # a stall of 50 s half-way through a file
                clock.now += 10.0
                answers.add(seen(source.current()))
            handle.write(text[half:])
        clock.now += 30.0  # one table done, the other still old: a version that never was
        answers.add(seen(source.current()))
    assert answers == {(14, 5)}
    assert len(reads) == 1 and source.problem is None  # not even read: no marker, no version
    (demo_copy / MARKER).touch()  # the writer's last step
    assert seen(source.current()) == (15, 6)  # at once: no settling time to wait for
    assert source.problem is None


def test_an_admin_reload_during_a_marked_copy_says_a_copy_is_in_progress(demo_copy):
    (demo_copy / MARKER).touch()
    source = CohortSource(demo_copy, load_cohort, settle=0.0, background=False)
    first = source.current()
    (demo_copy / MARKER).unlink()
    with pytest.raises(CohortDataError, match="copy is in progress"):
        source.reload_now()
    assert source.current() is first


def test_a_link_swap_is_taken_at_once_and_from_one_folder(tmp_path):
    versions = tmp_path / "versions"
    old, new = versions / "2021-06-30", versions / "2021-07-07"
    shutil.copytree(demo_path(), old)
    shutil.copytree(demo_path(), new)
    for name, text in new_files(new).items():
        (new / name).write_text(text)
    current = versions / "current"
    current.symlink_to(old.name)
    clock = Clock()
    source = CohortSource(current, load_cohort, settle=2.0, background=False, clock=clock)
    assert seen(source.current()) == (14, 5)
    swap = versions / ".current.tmp"
    swap.symlink_to(new.name)
    os.replace(swap, current)  # one rename: readers see the old link or the new
    assert seen(source.current()) == (15, 6)  # no settling: the folder was whole before
    shutil.rmtree(old)  # the old version can go once nothing reads it
    assert seen(source.current()) == (15, 6)


def test_refused_new_data_is_told_once(demo_copy):
    told = []
    source = CohortSource(
        demo_copy, load_cohort, settle=0.0, background=False, on_refused=told.append
    )
    first = source.current()
    patients = demo_copy / "patients.csv"
    patients.write_text(patients.read_text().replace("\n2,M,72,LPS", "\n1,M,72,LPS", 1))
    for _ in range(3):
        assert source.current() is first
    assert len(told) == 1 and "duplicate patient_id" in told[0]
