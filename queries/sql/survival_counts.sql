-- Selected patients with a recorded survival endpoint, counted per group, time and event (and
-- any other column the answer asked for, a Cox model's covariates): a registry's 10^6 patients
-- become some thousands of rows, and every statistic weights a row by its `patients`.
-- `time` is in the cohort's time_unit, `event` 1 = progression/death, 0 = censored.
SELECT * EXCLUDE (patient_id)
         REPLACE (CAST(time AS DOUBLE) AS time, CAST(event AS INTEGER) AS event),
       count(*) AS patients
FROM selected
WHERE time IS NOT NULL AND event IS NOT NULL
GROUP BY ALL
ORDER BY ALL
