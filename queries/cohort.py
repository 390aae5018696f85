"""A cohort folder, validated and loaded into an in-process DuckDB.

A folder is `cohort.toml` plus tables: `patients.csv` (or `patients.xlsx`, or a cBioPortal
`data_clinical_patient.txt`), optional `adverse_events.csv` and any other CSV tables.
Nothing is served until the whole folder has passed its checks.
"""

from __future__ import annotations

import datetime as dt
import functools
import threading
import tomllib
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from .catalog import CATEGORICAL, DATE, NUMERIC, Catalog, Field, norm
from .errors import CohortDataError
from .readers import read_table_files
from .sql_names import quote_identifier
from .validate import Problems, endpoints_of, type_adverse_events, type_patients, type_table

__all__ = ["TIME_UNITS", "Cohort", "CohortMeta", "assemble", "demo_path", "load_cohort"]

# Days per unit; months are a Julian year / 12, as survival software usually counts them.
TIME_UNITS = {"days": 1.0, "weeks": 7.0, "months": 365.25 / 12, "years": 365.25}


def demo_path() -> Path:
    """The demo cohort (the seed paper): data/ in a checkout, sts_queries/demo installed."""
    here = Path(__file__).resolve().parent
    checkout = here.parent / "data"
    return checkout if (checkout / "cohort.toml").exists() else here / "demo"


@dataclass(frozen=True, kw_only=True)
class CohortMeta:
    name: str
    time_unit: str
    citation: str = ""
    data_as_of: dt.date | None = None
    reconstructed: tuple[str, ...] = ()
    reconstructed_tables: tuple[str, ...] = ()
    baseline: tuple[str, ...] = ()  # the fields of a Table 1, in order
    term_order: tuple[str, ...] = ()  # adverse event terms in the order a table lists them
    fields: dict = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class Cohort:
    """A validated cohort: its metadata, catalog and a DuckDB holding its tables."""

    path: Path
    meta: CohortMeta
    catalog: Catalog
    tables: tuple[str, ...]
    endpoints: tuple[str, ...]
    con: duckdb.DuckDBPyConnection
    # Names this load of the data: answers cached under one version are never served for
    # another (a reload, a snapshot).
    version: str = field(default_factory=lambda: uuid.uuid4().hex)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def query(self, sql: str, params: list | tuple = ()) -> pd.DataFrame:
        """Run one statement; a cursor per call keeps concurrent callers apart."""
        with self._lock:
            cursor = self.con.cursor()
        try:
            return cursor.execute(sql, list(params)).df()
        finally:
            cursor.close()

    @functools.cached_property
    def ae_terms(self) -> tuple[str, ...]:
        """The adverse-event terms recorded, in the cohort's declared order then by name."""
        if "adverse_events" not in self.tables:
            return ()
        found = list(self.query("SELECT DISTINCT term FROM adverse_events ORDER BY term")["term"])
        declared = [t for t in self.meta.term_order if t in found]
        return tuple(declared + [t for t in found if t not in declared])

    def has_table(self, name: str) -> bool:
        return name in self.tables

    def rows(self, table: str = "patients") -> int:
        """How many rows a loaded table has (patients by default)."""
        if table not in self.tables:
            raise ValueError(f"no table {table!r}")  # a bug, never user input
        return int(self.query(f"SELECT count(*) AS n FROM {quote_identifier(table)}")["n"].iloc[0])


def _read_meta(folder: Path, problems: Problems) -> CohortMeta | None:
    toml_path = folder / "cohort.toml"
    if not toml_path.exists():
        if (folder / "data_clinical_patient.txt").exists():
            # cBioPortal studies carry their own metadata; survival columns are in months.
            return CohortMeta(name=folder.name, time_unit="months")
        problems.add("missing (it needs at least `name` and `time_unit`)", file="cohort.toml")
        return None
    try:
        raw = tomllib.loads(toml_path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        problems.add(f"is not valid TOML: {exc}", file="cohort.toml")
        return None
    for key in ("name", "time_unit"):
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            problems.add(f"`{key}` is required", file="cohort.toml")
    unit = raw.get("time_unit")
    if isinstance(unit, str) and unit not in TIME_UNITS:
        problems.add(
            f"time_unit `{unit}` is not one of {', '.join(TIME_UNITS)}", file="cohort.toml"
        )
    as_of = raw.get("data_as_of")
    if isinstance(as_of, str):
        try:
            as_of = dt.date.fromisoformat(as_of)
        except ValueError:
            problems.add(f"data_as_of `{as_of}` is not a date (YYYY-MM-DD)", file="cohort.toml")
            as_of = None
    if problems.items:
        return None
    return CohortMeta(
        name=raw["name"],
        time_unit=unit,
        citation=raw.get("citation", ""),
        data_as_of=as_of if isinstance(as_of, dt.date) else None,
        reconstructed=tuple(raw.get("reconstructed", ())),
        reconstructed_tables=tuple(raw.get("reconstructed_tables", ())),
        baseline=tuple(raw.get("baseline", ())),
        term_order=tuple(raw.get("adverse_events", {}).get("term_order", ())),
        fields=raw.get("fields", {}),
    )


def _field(name: str, series: pd.Series, spec: dict) -> Field:
    if pd.api.types.is_numeric_dtype(series):
        kind = NUMERIC
    elif name.endswith("_date") or series.dropna().map(lambda v: isinstance(v, dt.date)).all():
        kind = DATE if not series.dropna().empty else CATEGORICAL
    else:
        kind = CATEGORICAL
    counts: tuple[tuple[str, int], ...] = ()
    labels: dict[str, str] = {}
    synonyms: dict[str, str] = {}
    hierarchy = {str(k): tuple(map(str, v)) for k, v in spec.get("hierarchy", {}).items()}
    if kind == CATEGORICAL:
        tally = series.dropna().astype(str).value_counts()
        order = [str(v) for v in spec.get("order", ()) if str(v) in tally.index]
        rest = sorted((v for v in tally.index if v not in order), key=lambda v: (-tally[v], v))
        counts = tuple((v, int(tally[v])) for v in order + rest)
        for value, info in spec.get("values", {}).items():
            if isinstance(info, dict):
                if "label" in info:
                    labels[str(value)] = str(info["label"])
                for synonym in info.get("synonyms", ()):
                    synonyms[norm(synonym)] = str(value)
    present = series.dropna()
    numeric_range = kind == NUMERIC and not present.empty
    return Field(
        name=name,
        label=spec.get("label", name.replace("_", " ").capitalize()),
        kind=kind,
        aliases=tuple(spec.get("aliases", ())),
        counts=counts,
        value_labels=labels,
        synonyms=synonyms,
        hierarchy=hierarchy,
        minimum=float(present.min()) if numeric_range else None,
        maximum=float(present.max()) if numeric_range else None,
    )


def load_cohort(folder: str | Path) -> Cohort:
    """Validate a cohort folder and load it; raises CohortDataError naming file, line, column."""
    folder = Path(folder)
    if not folder.is_dir():
        raise CohortDataError(
            f"`{folder}` is not a folder", hint="Point --data at a cohort folder."
        )
    problems = Problems()
    meta = _read_meta(folder, problems)
    raw_tables = read_table_files(folder, problems)
    if "patients" not in raw_tables and not any(
        p.file.startswith("patients") for p in problems.items
    ):
        problems.add(
            "no patients table (patients.csv, patients.xlsx or data_clinical_patient.txt)",
            file=str(folder),
        )
    problems.raise_if_any()
    file_of = {name: file for name, (file, _) in raw_tables.items()}
    # A column declared `kind = "categorical"` stays text even when it holds codes like 1/2.
    text_columns = (
        {
            name
            for name, spec in meta.fields.items()
            if isinstance(spec, dict) and spec.get("kind") == CATEGORICAL
        }
        if meta
        else set()
    )
    patients = type_patients(raw_tables["patients"][1], file_of["patients"], problems, text_columns)
    typed: dict[str, pd.DataFrame] = {}
    if patients is not None:
        typed["patients"] = patients
        ids = set(patients["patient_id"].dropna())
        for name, (file, raw) in raw_tables.items():
            if name == "patients":
                continue
            if name == "adverse_events":
                table = type_adverse_events(raw, file, problems, ids)
            else:
                table = type_table(raw)
            if table is not None:
                typed[name] = table
    problems.raise_if_any()
    assert meta is not None

    return assemble(folder, meta, typed)


def assemble(path: Path, meta: CohortMeta, typed: dict[str, pd.DataFrame]) -> Cohort:
    """A Cohort over already validated, typed tables (a folder, or a snapshot of one)."""
    con = duckdb.connect(":memory:")
    for name, frame in typed.items():
        con.register("_incoming", frame)
        con.execute(f"CREATE TABLE {quote_identifier(name)} AS SELECT * FROM _incoming")
        con.unregister("_incoming")
    patients = typed["patients"]
    catalog = Catalog(
        fields=tuple(
            _field(column, patients[column], meta.fields.get(column, {}))
            for column in patients.columns
        )
    )
    return Cohort(
        path=path,
        meta=meta,
        catalog=catalog,
        tables=tuple(typed),
        endpoints=endpoints_of(patients.columns),
        con=con,
    )
