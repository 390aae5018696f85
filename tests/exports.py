"""Cohort folders written the way teams' tools write them, from public datasets.

lifelines ships R's `lung`, `rossi` and `gbsg2`; these helpers write them as R's write.csv,
pandas' to_csv, a `;`-separated Windows (cp1252) export, a REDCap-style export holding only
dates, and an Excel workbook with real date cells. R's reference numbers for these datasets
are in tests/test_survival_r.py (R 4.2.2, survival 3.5.3).
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import io
from functools import cache
from pathlib import Path

import pandas as pd

__all__ = [
    "gbsg2_as_windows",
    "lung_as_r",
    "lung_as_redcap",
    "rossi_as_pandas",
    "rossi_workbook",
]

_ORIGIN = dt.date(2010, 1, 4)


@cache
def _dataset(name: str) -> pd.DataFrame:
    """lifelines' `datasets.load_<name>()`, read from its CSV the same way, without importing
    lifelines (its fitters pull in scipy.optimize and autograd: seconds at collection, in every
    worker, for tests that only write files). A fresh copy is returned by `_load`."""
    (package,) = importlib.util.find_spec("lifelines").submodule_search_locations
    return pd.read_csv(Path(package) / "datasets" / f"{name}.csv", engine="python")


def _load(name: str) -> pd.DataFrame:
    return _dataset(name).copy()


def _toml(folder: Path, text: str) -> None:
    (folder / "cohort.toml").write_text(text, encoding="utf-8")


def lung_as_r(folder: Path, toml: str | None = None) -> Path:
    """`write.csv(lung, "patients.csv")` in R: quoted, row names, NA, status 1/2 (R's coding)."""
    folder.mkdir(parents=True, exist_ok=True)
    lung = _load("lung")
    lung["status"] = lung["status"] + 1  # lifelines recoded R's 1 = censored, 2 = dead
    lung.index = range(1, len(lung) + 1)
    lung.to_csv(folder / "patients.csv", na_rep="NA", quoting=1, index_label="")
    _toml(
        folder,
        toml
        or 'name = "NCCTG lung"\ntime_unit = "days"\n'
        '[endpoints.os]\ntime = "time"\nevent = "status"\n'
        '[fields.status]\nevent = ["2"]\ncensored = ["1"]\n'
        '[fields.sex]\nlabels = { 1 = "Male", 2 = "Female" }\n',
    )
    return folder


def rossi_as_pandas(folder: Path) -> Path:
    """`df.to_csv(path)` in pandas: an unnamed index column counting from 0."""
    folder.mkdir(parents=True, exist_ok=True)
    _load("rossi").to_csv(folder / "patients.csv")
    _toml(
        folder,
        'name = "Rossi recidivism"\ntime_unit = "weeks"\n'
        '[endpoints.arrest]\ntime = "week"\nevent = "arrest"\n',
    )
    return folder


def gbsg2_as_windows(folder: Path) -> Path:
    """Excel's "CSV" on a European Windows: `;`, cp1252, accented headers, decimal commas."""
    folder.mkdir(parents=True, exist_ok=True)
    frame = _load("gbsg2").rename(
        columns={"horTh": "Thérapie hormonale", "time": "Délai (jours)", "cens": "Événement"}
    )
    frame.insert(0, "N° patient", range(1, len(frame) + 1))
    frame["Taille (cm)"] = (frame["tsize"] / 10).map(lambda v: f"{v:.1f}".replace(".", ","))
    frame["Thérapie hormonale"] = frame["Thérapie hormonale"].map({"no": "non", "yes": "oui"})
    text = frame.to_csv(sep=";", index=False)
    (folder / "patients.csv").write_bytes(text.encode("cp1252"))
    _toml(
        folder,
        'name = "GBSG2"\ntime_unit = "days"\nidentifier = "N° patient"\n'
        '[endpoints.rfs]\ntime = "Délai (jours)"\nevent = "Événement"\n',
    )
    return folder


def _day(offset_days: float) -> dt.date:
    return _ORIGIN + dt.timedelta(days=int(offset_days))


def lung_as_redcap(folder: Path, date_format: str = "%d/%m/%Y") -> Path:
    """A REDCap-style export of lung with dates only: the times are to be derived.

    Each patient is diagnosed on a different day; death_date or last_contact_date lies `time`
    days later, so the derived os_time is lung's own time and R's numbers apply.
    """
    folder.mkdir(parents=True, exist_ok=True)
    lung = _load("lung")
    rows = []
    for i, r in enumerate(lung.itertuples(index=False)):
        start = _day(3 * i)
        end = start + dt.timedelta(days=int(r.time))
        rows.append(
            {
                "record_id": f"L{i + 1:03d}",
                "sex": "Male" if r.sex == 1 else "Female",
                "diagnosis_date": start.strftime(date_format),
                "death_date": end.strftime(date_format) if r.status == 1 else "",
                "last_contact_date": "" if r.status == 1 else end.strftime(date_format),
            }
        )
    frame = pd.DataFrame(rows)
    text = frame.to_csv(index=False) + ",,,,\n,,,,\n"  # REDCap leaves trailing blank rows
    (folder / "patients.csv").write_text(text, encoding="utf-8")
    _toml(
        folder,
        'name = "lung, REDCap"\ntime_unit = "days"\n'
        '[endpoints.os]\nstart = "diagnosis_date"\nevents = ["death_date"]\n'
        'censor = "last_contact_date"\n',
    )
    return folder


@cache
def _rossi_workbook_bytes() -> bytes:
    """registry.xlsx, written once a process (writing it takes 0.2 s) and copied to each folder."""
    rossi = _load("rossi")
    start = [pd.Timestamp(_day(2 * i)) for i in range(len(rossi))]
    end = [s + pd.Timedelta(weeks=int(w)) for s, w in zip(start, rossi["week"], strict=True)]
    patients = pd.DataFrame(
        {
            "Patient ID": [f"R{i + 1}" for i in range(len(rossi))],
            "Financial aid": rossi["fin"].map({0: "no", 1: "yes"}),
            "Release date": start,
            "Arrest date": [e if a else None for e, a in zip(end, rossi["arrest"], strict=True)],
            "Last seen": [None if a else e for e, a in zip(end, rossi["arrest"], strict=True)],
        }
    )
    events = pd.DataFrame(
        {
            "Patient ID": ["R1", "R1", "R2"],
            "Term": ["Anemia", "Nausea", "Anemia"],
            "Grade": [3, 1, 2],
        }
    )
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer) as book:
        patients.to_excel(book, sheet_name="Patients", index=False)
        events.to_excel(book, sheet_name="Adverse Events", index=False)
    return buffer.getvalue()


def rossi_workbook(folder: Path) -> Path:
    """A workbook with real date cells: sheet "Patients" and a sheet named "Adverse Events"."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "registry.xlsx").write_bytes(_rossi_workbook_bytes())
    (folder / "~$registry.xlsx").write_bytes(b"\x00lock file of an open workbook")
    _toml(
        folder,
        'name = "Rossi, workbook"\ntime_unit = "weeks"\n'
        '[endpoints.arrest]\nstart = "release_date"\nevents = ["arrest_date"]\n'
        'censor = "last_seen"\n',
    )
    return folder
