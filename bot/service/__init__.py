"""What whoever serves owns: the cohort source, the answer cache, the plot pool."""
