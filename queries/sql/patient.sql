-- One patient by id, as typed: any case, and `08` finds case 8 where ids are numbers.
SELECT *
FROM patients
WHERE lower(CAST(patient_id AS VARCHAR)) = lower(?)
   OR (TRY_CAST(patient_id AS BIGINT) IS NOT NULL
       AND TRY_CAST(patient_id AS BIGINT) = TRY_CAST(? AS BIGINT))
ORDER BY lower(CAST(patient_id AS VARCHAR)) = lower(?) DESC
LIMIT 1
