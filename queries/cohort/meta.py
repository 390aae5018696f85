"""cohort.toml: what the cohort is (name, units, labels) and how its files are to be read."""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path

from sts_queries.cohort.columns import ReadSettings
from sts_queries.cohort.files.names import MISSING_TOKENS, normalise_name
from sts_queries.cohort.files.readers import CBIO_PATIENTS
from sts_queries.cohort.files.roles import ROLES, TableRef
from sts_queries.cohort.validate import Problems

__all__ = ["TIME_UNITS", "CohortMeta", "EndpointSpec", "read_meta"]

# Days per unit; months are a Julian year / 12, as survival software usually counts them.
TIME_UNITS = {"days": 1.0, "weeks": 7.0, "months": 365.25 / 12, "years": 365.25}


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
    column_kinds: dict = field(default_factory=dict)  # patients column -> kind, as read
    # endpoint -> the endpoints that compete with it (`competing = ["death"]`), in order.
    competing: dict = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class EndpointSpec:
    """`[endpoints.X]`: from dates (start, events, censor) or from existing columns."""

    name: str
    start: str = ""
    events: tuple[str, ...] = ()
    censor: str = ""
    time: str = ""
    event: str = ""
    # Responses in assessments.csv that are events (["PD"]): the first such date is one.
    assessments: tuple[str, ...] = ()
    # A long file's rows that hold this endpoint: (("etype", "2"),) for rows = { etype = 2 }.
    rows: tuple[tuple[str, str], ...] = ()
    # The endpoints whose event ends the wait for this one (death before a recurrence).
    competing: tuple[str, ...] = ()

    @property
    def from_dates(self) -> bool:
        return bool(self.start)


def _rows(endpoint: str, rows, problems: Problems) -> tuple[tuple[str, str], ...]:
    """`rows = { etype = 2 }`: which rows of a long file hold the endpoint."""
    if rows is None:
        return ()
    if not isinstance(rows, dict) or not rows:
        problems.add(
            f"[endpoints.{endpoint}] rows must say which rows, e.g. rows = {{ etype = 2 }}",
            file="cohort.toml",
        )
        return ()
    return tuple((normalise_name(k), str(v)) for k, v in rows.items())


def _competing(endpoint: str, value, problems: Problems) -> tuple[str, ...]:
    """`competing = ["death"]`: the endpoints that compete with `endpoint`."""
    if value is None:
        return ()
    names = [value] if isinstance(value, str) else value
    if not isinstance(names, list) or not all(isinstance(n, str) and n.strip() for n in names):
        problems.add(
            f'[endpoints.{endpoint}] competing must list endpoints, e.g. competing = ["death"]',
            file="cohort.toml",
        )
        return ()
    out = tuple(dict.fromkeys(normalise_name(n) for n in names))
    if normalise_name(endpoint) in out:
        problems.add(
            f"[endpoints.{endpoint}] cannot compete with itself",
            file="cohort.toml",
            hint="competing names the other endpoints whose event comes first, e.g. death",
        )
        return ()
    return out


def _endpoints(raw: dict, problems: Problems) -> tuple[EndpointSpec, ...]:
    out = []
    for name, spec in (raw.get("endpoints") or {}).items():
        if not isinstance(spec, dict):
            problems.add(f"[endpoints.{name}] must be a table", file="cohort.toml")
            continue
        events = spec.get("events", spec.get("event_dates", ()))
        events = (events,) if isinstance(events, str) else tuple(events)
        ep = EndpointSpec(
            name=normalise_name(name),
            start=normalise_name(spec.get("start", "")),
            events=tuple(normalise_name(e) for e in events),
            censor=normalise_name(spec.get("censor", "")),
            time=normalise_name(spec.get("time", "")),
            event=normalise_name(spec.get("event", spec.get("status", ""))),
            assessments=tuple(str(r).upper() for r in spec.get("assessments", ())),
            rows=_rows(name, spec.get("rows"), problems),
            competing=_competing(name, spec.get("competing"), problems),
        )
        ends = ep.events or ep.censor or ep.assessments
        if not (ep.start and ends) and not (ep.time and ep.event):
            problems.add(
                f"[endpoints.{name}] needs start + events (+ censor) dates, or time + event",
                file="cohort.toml",
                hint=f'e.g. [endpoints.{name}] start = "diagnosis_date", '
                'events = ["death_date"], censor = "last_contact_date"',
            )
            continue
        out.append(ep)
    return tuple(out)


def _tables(raw: dict, problems: Problems) -> dict[str, TableRef]:
    """`[tables]`: which file (and sheet) holds each table the bot knows."""
    section = raw.get("tables") or {}
    if not isinstance(section, dict):
        problems.add("[tables] must be a table", file="cohort.toml")
        return {}
    out = {}
    for role, where in section.items():
        if role not in ROLES:
            problems.add(
                f"[tables] `{role}` is not a table the bot knows ({', '.join(ROLES)})",
                file="cohort.toml",
            )
        elif isinstance(where, str) and where.strip():
            out[role] = TableRef(where.strip())
        elif isinstance(where, dict) and isinstance(where.get("file"), str):
            out[role] = TableRef(where["file"].strip(), str(where.get("sheet", "")).strip())
        else:
            problems.add(
                f"[tables] {role} must name a file, or {{ file = …, sheet = … }}",
                file="cohort.toml",
                hint='e.g. patients = "veteran.csv"',
            )
    return out


def read_meta(
    folder: Path, problems: Problems
) -> tuple[CohortMeta | None, ReadSettings, tuple[EndpointSpec, ...]]:
    """The cohort's metadata, reading settings and declared endpoints."""
    defaults = ReadSettings(missing=MISSING_TOKENS)
    toml_path = folder / "cohort.toml"
    if not toml_path.exists():
        if (folder / CBIO_PATIENTS).exists():
            # cBioPortal studies carry their own metadata; survival columns are in months.
            return CohortMeta(name=folder.name, time_unit="months"), defaults, ()
        problems.add(
            "missing (it needs at least `name` and `time_unit`)",
            file="cohort.toml",
            hint="`sts init DIR` writes one from what it finds in the files.",
        )
        return None, defaults, ()
    try:
        raw = tomllib.loads(toml_path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        problems.add(f"is not valid TOML: {exc}", file="cohort.toml")
        return None, defaults, ()
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
    fields = {normalise_name(k): v for k, v in (raw.get("fields") or {}).items()}
    missing = raw.get("missing_values")
    settings = ReadSettings(
        missing=(*map(str, missing), "") if isinstance(missing, list) else MISSING_TOKENS,
        date_format=raw.get("date_format") if isinstance(raw.get("date_format"), str) else None,
        fields=fields,
        identifier=raw.get("identifier") if isinstance(raw.get("identifier"), str) else None,
    )
    settings = replace(settings, tables=_tables(raw, problems))
    endpoints = _endpoints(raw, problems)
    if problems.items:
        return None, settings, endpoints
    meta = CohortMeta(
        name=raw["name"],
        time_unit=unit,
        citation=raw.get("citation", ""),
        data_as_of=as_of if isinstance(as_of, dt.date) else None,
        reconstructed=tuple(raw.get("reconstructed", ())),
        reconstructed_tables=tuple(raw.get("reconstructed_tables", ())),
        baseline=tuple(raw.get("baseline", ())),
        term_order=tuple(raw.get("adverse_events", {}).get("term_order", ())),
        fields=fields,
        competing={ep.name: ep.competing for ep in endpoints if ep.competing},
    )
    return meta, settings, endpoints
