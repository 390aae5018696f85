"""The patient-level metrics, one row or bar a patient (patient channels only): the patient card,
the patient list and the swimmer lanes."""
