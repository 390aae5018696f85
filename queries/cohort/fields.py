"""The catalog of a loaded patients table, counted in DuckDB and described by cohort.toml."""

from __future__ import annotations

import re

from sts_queries.cohort.catalog import CATEGORICAL, DATE, NUMERIC, Catalog, Field, norm
from sts_queries.sql.identifiers import quote_identifier as _q

__all__ = ["build_catalog", "field_facts", "kinds_from_types"]

# Identifiers keep their values in the catalog (so `patient_id=3` works) up to this many;
# categories keep their most frequent values.
_MAX_ID_VALUES = 1000
_MAX_VALUES = 5000
_CATALOG_KIND = {
    "number": NUMERIC,
    "code": NUMERIC,
    "date": DATE,
    "event": NUMERIC,
    "category": CATEGORICAL,
    "identifier": CATEGORICAL,
}


def kinds_from_types(con, table: str = "patients") -> dict[str, str]:
    """Kinds of a table that was not read from files (a snapshot): from its column types."""
    out = {}
    for name, dtype in con.execute(
        f"SELECT column_name, column_type FROM (DESCRIBE {table})"
    ).fetchall():
        upper = dtype.upper()
        if upper.startswith(("BIGINT", "INTEGER", "DOUBLE", "FLOAT", "DECIMAL", "HUGEINT")):
            out[name] = "number"
        elif upper.startswith(("DATE", "TIMESTAMP")):
            out[name] = "date"
        else:
            out[name] = "category"
    return out


def field_facts(con, kinds: dict[str, str], table: str = "patients") -> dict[str, dict]:
    """Per column: value counts (categories, codes) and range (numbers), from SQL: two
    statements for the whole table (every column's counts, every column's range)."""
    facts: dict[str, dict] = {name: {"kind": kind} for name, kind in kinds.items()}
    counted = [n for n, k in kinds.items() if k in ("category", "identifier", "code")]
    ranged = [n for n, k in kinds.items() if k in ("number", "code", "event")]
    if counted:
        limits = [_MAX_ID_VALUES if kinds[n] == "identifier" else _MAX_VALUES for n in counted]
        # one aggregate over (column i, value v) pairs, each row unnested into one per column:
        # a statement with one GROUP BY, not one per column (each costs ms to plan)
        values = ", ".join(f"CAST({_q(name)} AS VARCHAR)" for name in counted)
        pairs = f"SELECT unnest(range({len(counted)})) AS i, unnest([{values}]) AS v FROM {table}"
        rows = con.execute(
            f"SELECT i, v, count(*) AS n FROM ({pairs}) WHERE v IS NOT NULL GROUP BY i, v "
            "QUALIFY row_number() OVER (PARTITION BY i ORDER BY n DESC, v) "
            f"<= [{', '.join(map(str, limits))}][i + 1] + 1 "
            "ORDER BY i, n DESC, v"
        ).fetchall()
        found: list[list] = [[] for _ in counted]
        for i, v, n in rows:
            found[i].append([v, int(n)])
        for name, limit, values in zip(counted, limits, found, strict=True):
            if kinds[name] == "identifier" and len(values) > limit:
                values = []
            facts[name]["counts"] = values[:limit]
    if ranged:
        ranges = ", ".join(f"min({_q(n)}), max({_q(n)})" for n in ranged)
        bounds = con.execute(f"SELECT {ranges} FROM {table}").fetchone()
        for j, name in enumerate(ranged):
            low, high = bounds[2 * j], bounds[2 * j + 1]
            facts[name]["min"] = None if low is None else float(low)
            facts[name]["max"] = None if high is None else float(high)
    return facts


# A category that is a binned number: "<=20", "20-50", "20–50", ">50", "50+", "65 or more".
_BIN = re.compile(
    r"^\s*(?P<below><=|<|≤)?\s*(?P<above>>=|>|≥)?\s*(?P<x>-?\d+(?:[.,]\d+)?)"
    r"\s*(?P<rest>(?:[-–]|to)\s*-?\d+(?:[.,]\d+)?|\+|or more|and over)?\s*$",
    re.IGNORECASE,
)


def bin_order(values) -> list[str]:
    """The values in their order on the number line when every one is a bin of numbers
    (below a number first, from it next, above it last); [] when any is not."""
    keys = {}
    for value in values:
        m = _BIN.match(value)
        if m is None:
            return []
        x = float(m["x"].replace(",", "."))
        upward = m["above"] or (m["rest"] or "").strip() in ("+", "or more", "and over")
        keys[value] = (x, -1 if m["below"] else 1 if upward else 0)
    return sorted(keys, key=keys.__getitem__) if len(keys) > 1 else []


def _labels(spec: dict) -> tuple[dict[str, str], dict[str, str]]:
    labels: dict[str, str] = {}
    synonyms: dict[str, str] = {}
    for value, text in (spec.get("labels") or {}).items():
        labels[str(value)] = str(text)
    for value, info in (spec.get("values") or {}).items():
        if isinstance(info, dict):
            if "label" in info:
                labels[str(value)] = str(info["label"])
            for synonym in info.get("synonyms", ()):
                synonyms[norm(synonym)] = str(value)
    return labels, synonyms


def _field(name: str, info: dict, spec: dict, original: str) -> Field:
    kind = _CATALOG_KIND.get(info["kind"], CATEGORICAL)
    tally = dict(info.get("counts", ()))
    order = [str(v) for v in spec.get("order", ()) if str(v) in tally]
    rest = [v for v in tally if v not in order]
    if info["kind"] == "code":
        rest.sort(key=lambda v: float(v))
    elif bins := bin_order(rest):  # binned numbers: <=20, 20-50, >50
        rest = bins
    counts = tuple((v, int(tally[v])) for v in order + rest)
    labels, synonyms = _labels(spec)
    aliases = list(spec.get("aliases", ()))
    if original and norm(original) != norm(name) and original not in aliases:
        aliases.append(original)
    return Field(
        name=name,
        label=spec.get("label", name.replace("_", " ").capitalize()),
        kind=kind,
        aliases=tuple(aliases),
        counts=counts if kind == CATEGORICAL or info["kind"] == "code" else (),
        value_labels=labels,
        synonyms=synonyms,
        hierarchy={str(k): tuple(map(str, v)) for k, v in spec.get("hierarchy", {}).items()},
        minimum=info.get("min") if kind == NUMERIC else None,
        maximum=info.get("max") if kind == NUMERIC else None,
    )


def build_catalog(facts: dict[str, dict], specs: dict, originals: dict[str, str]) -> Catalog:
    """Every patients column as a Field, in file order."""
    return Catalog(
        fields=tuple(
            _field(
                name,
                info,
                specs.get(name, {}) if isinstance(specs.get(name), dict) else {},
                originals.get(name, ""),
            )
            for name, info in facts.items()
        )
    )
