-- Every patient id in the cohort, in case-number order (for "Known ids" in an error).
SELECT patient_id
FROM patients
ORDER BY TRY_CAST(patient_id AS BIGINT) NULLS LAST, patient_id
