-- Each selected patient's tumour measurements as % change from baseline, in time order.
-- The baseline is the patient's first measurement (at or before the start of treatment: the
-- loader refuses a table where it is not); `day` counts from the start of treatment (from the
-- baseline scan where the patient has no start date). Each later scan also gets its RECIST 1.1
-- target-lesion response: PD for a new lesion, or a sum >= 20% and >= 5 mm above the nadir
-- (the smallest sum before it, baseline included); CR at 0 mm; PR at -30% or less; else SD.
SELECT
    patient_id,
    group_key,
    day,
    sum_mm,
    baseline_mm,
    new_lesion,
    nth = 1 AS baseline,
    100 * (sum_mm - baseline_mm) / baseline_mm AS change_pct,
    CASE
        WHEN nth = 1 THEN NULL
        WHEN new_lesion OR (sum_mm - nadir_mm >= 5 AND sum_mm >= 1.2 * nadir_mm) THEN 'PD'
        WHEN sum_mm = 0 THEN 'CR'
        WHEN 100 * (sum_mm - baseline_mm) / baseline_mm <= -30 THEN 'PR'
        ELSE 'SD'
    END AS response
FROM (
    SELECT
        s.patient_id,
        s.group_key,
        m.day,
        m.sum_mm,
        coalesce(m.new_lesion, FALSE) AS new_lesion,
        row_number() OVER scans AS nth,
        first_value(m.sum_mm) OVER scans AS baseline_mm,
        min(m.sum_mm) OVER (scans ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS nadir_mm
    FROM selected s
    JOIN measurements m USING (patient_id)
    WINDOW scans AS (PARTITION BY m.patient_id ORDER BY m.day)
)
ORDER BY TRY_CAST(patient_id AS BIGINT) NULLS LAST, patient_id, day
