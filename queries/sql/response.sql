-- The selected patients, one row each, with their own columns (start_date; `time`, `event`:
-- pfs_time in the cohort's time_unit, 1 = progression or death) and what their tumour
-- assessments (RECIST 1.1) say, in days from start_date: the first CR/PR and the last
-- assessment (NULL: none, or no start_date). Assessments without a date count for neither.
SELECT
    s.* REPLACE (CAST(s.time AS DOUBLE) AS time, CAST(s.event AS INTEGER) AS event),
    CAST(date_diff('day', CAST(s.start_date AS DATE), a.first_response) AS DOUBLE)
        AS first_response_days,
    CAST(date_diff('day', CAST(s.start_date AS DATE), a.last_assessment) AS DOUBLE)
        AS last_assessment_days
FROM selected AS s
LEFT JOIN (
    SELECT
        CAST(patient_id AS VARCHAR) AS patient_id,
        min(CAST(date AS DATE))
            FILTER (WHERE upper(trim(CAST(response AS VARCHAR))) IN ('CR', 'PR'))
            AS first_response,
        max(CAST(date AS DATE)) AS last_assessment
    FROM assessments
    WHERE date IS NOT NULL
    GROUP BY 1
) AS a ON a.patient_id = CAST(s.patient_id AS VARCHAR)
ORDER BY s.patient_id
