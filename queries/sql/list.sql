-- The selected patients, one row each, in case-number order.
SELECT {columns}
FROM selected
ORDER BY TRY_CAST(patient_id AS BIGINT) NULLS LAST, patient_id
