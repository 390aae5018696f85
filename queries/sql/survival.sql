-- One row per selected patient with a recorded survival endpoint:
-- time in the cohort's time_unit, event 1 = progression/death, 0 = censored.
-- `time` and `event` are the endpoint's catalog columns (X_time, X_event).
SELECT group_key, CAST(time AS DOUBLE) AS time, CAST(event AS INTEGER) AS event
FROM selected
WHERE time IS NOT NULL AND event IS NOT NULL
ORDER BY group_key, time
