-- One lane per selected patient: time on treatment, follow-up, progression, surgery.
-- The selection holds the columns the cohort has among start_date, cycles, surgery_date,
-- pfs_time, pfs_event and best_response.
SELECT *
FROM selected
ORDER BY TRY_CAST(patient_id AS BIGINT) NULLS LAST, patient_id
