"""The statistics, numbers in and numbers out: Kaplan–Meier, log-rank, exact tests, Cox models."""
