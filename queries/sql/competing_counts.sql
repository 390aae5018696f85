-- Competing risks (cif): each selected patient's first event, counted like survival_counts.
-- `time`/`event` are the endpoint asked for; `competing_<i>_time`/`competing_<i>_event` the
-- endpoints cohort.toml declares to compete with it, in its order. The earliest event decides:
-- the endpoint's own (also at a tie), else the first competing one (cause 1 + i, the first
-- declared at a tie); with none, the patient is censored (cause 0) at the latest time of any
-- of them: R's etime = ifelse(pstat == 0, futime, ptime). A patient with any of these not
-- recorded is left out (the answer counts them).
SELECT group_key,
    CASE WHEN own_first THEN own_time
        WHEN other_time IS NOT NULL THEN other_time
        ELSE greatest(own_time, list_max(times)) END AS time,
    CASE WHEN own_first THEN 1
        WHEN other_time IS NOT NULL THEN 1 + list_position(event_times, other_time)
        ELSE 0 END AS cause,
    count(*) AS patients
FROM (
    -- The first competing event's time, and whether the endpoint's own comes first.
    SELECT *, list_min(event_times) AS other_time,
        own_event = 1 AND (list_min(event_times) IS NULL OR own_time <= list_min(event_times))
            AS own_first
    FROM (
        -- The competing endpoints' times that are events (NULL for the others).
        SELECT *,
            list_transform(times, lambda t, i: CASE WHEN events[i] = 1 THEN t END)
                AS event_times
        FROM (
            SELECT group_key, CAST(time AS DOUBLE) AS own_time,
                CAST(event AS INTEGER) AS own_event,
                list_value(*COLUMNS('^competing_\d+_time$'))::DOUBLE[] AS times,
                list_value(*COLUMNS('^competing_\d+_event$'))::INTEGER[] AS events
            FROM selected
        ) AS recorded
    ) AS followed
    WHERE own_time IS NOT NULL AND own_event IS NOT NULL
        AND list_count(times) = len(times) AND list_count(events) = len(events)
) AS decided
GROUP BY ALL
ORDER BY ALL
