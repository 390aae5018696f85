-- The selected patients, one row each, in case-number order.
SELECT * EXCLUDE (group_key)
FROM selected
ORDER BY TRY_CAST(patient_id AS BIGINT) NULLS LAST, patient_id
