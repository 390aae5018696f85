-- The selected patients' tumour assessments (RECIST 1.1), one row per assessment, with each
-- patient's own columns: start_date, and progression-free follow-up (`time`, `event`: pfs_time
-- in the cohort's time_unit, 1 = progression or death). A patient with no assessment keeps one
-- row with an empty date, so that every selected patient is counted.
SELECT
    s.* REPLACE (CAST(s.time AS DOUBLE) AS time, CAST(s.event AS INTEGER) AS event),
    a.date,
    a.response
FROM selected AS s
LEFT JOIN assessments AS a ON CAST(a.patient_id AS VARCHAR) = CAST(s.patient_id AS VARCHAR)
ORDER BY s.patient_id, a.date
