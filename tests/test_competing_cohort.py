"""Declaring competing endpoints in cohort.toml (`competing = ["death"]`), what `sts init`
drafts for them, and the line under a Kaplan–Meier of an endpoint that has them (issue 22)."""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path

import pytest

from sts_bot.cli import main
from sts_queries.answer import ask
from sts_queries.cohort.cohort import load_cohort
from sts_queries.errors import CohortDataError

EXPORTS = Path(__file__).parent / "fixtures" / "r_exports"
MGUS2_TOML = """name = "mgus2"
time_unit = "months"
[endpoints.pcm]
time = "ptime"
event = "pstat"
competing = {competing}
[endpoints.death]
time = "futime"
event = "death"
"""


def mgus2(folder: Path, competing: str = '["death"]') -> Path:
    """R's mgus2 as write.csv wrote it, pcm competing with death as R's vignette codes it."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(EXPORTS / "mgus2.csv", folder / "mgus2.csv")
    (folder / "cohort.toml").write_text(MGUS2_TOML.format(competing=competing))
    return folder


def test_competing_endpoints_are_read(tmp_path):
    cohort = load_cohort(mgus2(tmp_path / "m"))
    assert cohort.meta.competing == {"pcm": ("death",)}
    assert set(cohort.endpoints) == {"pcm", "death"}


@pytest.mark.parametrize(
    ("competing", "said"),
    [
        ('["deth"]', "[endpoints.pcm] competing names `deth`, which is not an endpoint here"),
        ('["pcm"]', "[endpoints.pcm] cannot compete with itself"),
        ("3", "[endpoints.pcm] competing must list endpoints"),
        ('[""]', "[endpoints.pcm] competing must list endpoints"),
    ],
)
def test_a_wrong_competing_list_is_named(tmp_path, competing, said):
    with pytest.raises(CohortDataError) as caught:
        load_cohort(mgus2(tmp_path / "m", competing))
    assert said in str(caught.value)


def test_a_string_names_one_competing_endpoint(tmp_path):
    assert load_cohort(mgus2(tmp_path / "m", '"death"')).meta.competing == {"pcm": ("death",)}


def test_km_of_an_endpoint_with_competitors_says_it_overstates(tmp_path):
    cohort = load_cohort(mgus2(tmp_path / "m"))
    answer = ask("pcm at=240", cohort)
    # R: summary(survfit(Surv(ptime, pstat) ~ 1, mgus2), times = 240)$surv is 0.7904383755,
    # so 1 - KM says 21% progressed; the Aalen–Johansen incidence is 10.0% (test_cif_answers).
    assert answer.body.landmarks[0]["survival"] == pytest.approx(0.7904383755, rel=1e-9)
    (line,) = [n for n in answer.notes if "overstates" in n]
    assert line == (
        "death competes with pcm: 1 − KM overstates the incidence of pcm (it treats patients "
        "after death as if they could still have it); `/sts cif pcm` gives the cumulative "
        "incidence."
    )
    assert not [n for n in ask("death", cohort).notes if "overstates" in n]


def test_init_drafts_death_as_the_competing_endpoint_commented_out(tmp_path, capsys):
    folder = tmp_path / "m"
    folder.mkdir()
    shutil.copy(EXPORTS / "mgus2.csv", folder / "mgus2.csv")
    assert main(["init", str(folder)]) == 0
    capsys.readouterr()
    draft = (folder / "cohort.toml").read_text()
    assert '# competing = ["death"]  # if death ends the wait for pstat' in draft
    uncommented = draft.replace("# competing", "competing")
    assert tomllib.loads(uncommented)["endpoints"]["pstat"]["competing"] == ["death"]
