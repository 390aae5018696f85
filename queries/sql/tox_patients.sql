-- Patients with at least one adverse event in `kept` (the tox.sql rows passing the filters).
SELECT count(DISTINCT patient_id) AS patients
FROM kept
