"""A cohort folder's files as exported: CSV/TSV in any encoding and separator, Excel sheets,
cBioPortal clinical files, R's and pandas' row names, long files; which table is which, what
each column's cells look like, and the names they go by."""
