"""The cohort: files read as they arrive, typed, validated, loaded into DuckDB, stored, replayed to
a date.
"""
