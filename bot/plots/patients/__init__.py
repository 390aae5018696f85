"""The patient-level plots: the swimmer plot and one patient's timeline, with their marks."""
