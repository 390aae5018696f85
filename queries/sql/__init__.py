"""SQL: the one identifier quoting, statements built over `selected`, the metrics' reviewable .sql
files.
"""
