"""Column names as teams write them (`ph.ecog`, `Patient ID`, `#Patient Identifier`) → snake_case.

The original header is kept as an alias so people can still type what the file says.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = [
    "IDENTIFIER_NAMES",
    "MEASURED_DAY_NAMES",
    "MEASURED_ON_NAMES",
    "MISSING_TOKENS",
    "NEW_LESION_NAMES",
    "SUM_NAMES",
    "identifier_column",
    "normalise_name",
]

# What exports call the patient identifier when they do not call it patient_id.
IDENTIFIER_NAMES = (
    "patient_id",
    "patientid",
    "record_id",
    "subject_id",
    "subjectid",
    "participant_id",
    "case_id",
    "patient",
    "patient_identifier",
    "patient_no",
    "patient_number",
    "pid",
    "id",
)

# What exports call the sum of target lesion diameters (in mm) and the new-lesion flag of a
# measurements table (normalised headers).
SUM_NAMES = (
    "sum_mm",
    "sld_mm",
    "sld",
    "sum_diameters_mm",
    "sum_of_diameters_mm",
    "sum_of_diameters",
    "sum_of_target_lesions_mm",
    "target_sum_mm",
    "target_lesions_mm",
    "sum_target_lesions_mm",
    "tumour_burden_mm",
    "tumor_burden_mm",
)
NEW_LESION_NAMES = ("new_lesion", "new_lesions", "new_lesion_flag", "nl")
MEASURED_ON_NAMES = ("date", "scan_date", "assessment_date", "measurement_date", "visit_date")
MEASURED_DAY_NAMES = ("day", "days", "study_day", "day_from_start", "days_from_start")
# Cells that mean "not recorded" in R, SAS, SPSS, REDCap, Excel and cBioPortal exports;
# compared case-insensitively. `missing_values` in cohort.toml replaces this list.
MISSING_TOKENS = (
    "",
    "na",
    "n/a",
    "nan",
    "null",
    ".",
    "-",
    "unknown",
    "not available",
    "[not available]",
    "[not applicable]",
    "[unknown]",
    "[not evaluated]",
    "[discrepancy]",
    "#n/a",
)

_NOT_WORD = re.compile(r"[^0-9a-z]+")


def normalise_name(original: object) -> str:
    """`ph.ecog` → `ph_ecog`, `Patient ID` → `patient_id`, `Âge` → `age`; "" for no name."""
    text = str(original if original is not None else "").replace("\ufeff", "").strip()
    text = text.lstrip("#").strip()
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    name = _NOT_WORD.sub("_", ascii_text.lower()).strip("_")
    if name.startswith("unnamed_") and name[len("unnamed_") :].isdigit():
        return ""  # pandas' name for a column without a header
    if name and name[0].isdigit():
        name = f"c_{name}"
    return name


def identifier_column(columns, declared: str | None = None) -> str | None:
    """The column that identifies patients: the declared one, else the first known spelling."""
    if declared:
        key = normalise_name(declared)
        return key if key in columns else None
    for candidate in IDENTIFIER_NAMES:
        if candidate in columns:
            return candidate
    return None
