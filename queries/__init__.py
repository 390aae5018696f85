"""What the cohort numbers mean: loading, the command language, SQL, statistics."""
