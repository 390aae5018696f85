-- survival.sql as counts: one row per distinct (group_key, time, event, any other column the
-- answer asked for), with `patients`, the number of selected patients it stands for. A
-- registry's million patients with day-level times become a few thousand rows.
SELECT group_key, CAST(time AS DOUBLE) AS time, CAST(event AS INTEGER) AS event,
    * EXCLUDE (patient_id, group_key, time, event), count(*) AS patients
FROM selected
WHERE time IS NOT NULL AND event IS NOT NULL
GROUP BY ALL
ORDER BY ALL
