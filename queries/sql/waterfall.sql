-- One bar per measured patient (over `kept`, the rows of measurements.sql): the best % change
-- from baseline (the smallest change of any scan after it, RECIST-style), whether a new lesion
-- was seen, and the best response the measurements show: the best scan response up to and
-- including the first PD (CR < PR < SD < PD), or NULL with no scan after baseline.
SELECT
    patient_id,
    any_value(group_key) AS group_key,
    count(*) AS scans,
    min(change_pct) FILTER (WHERE NOT baseline) AS best_change_pct,
    bool_or(new_lesion) FILTER (WHERE NOT baseline) AS new_lesion,
    ['CR', 'PR', 'SD', 'PD'][
        min(list_position(['CR', 'PR', 'SD', 'PD'], response)) FILTER (WHERE day <= first_pd)
    ] AS measured_response
FROM (
    SELECT
        *,
        coalesce(min(day) FILTER (WHERE response = 'PD') OVER (PARTITION BY patient_id),
            'infinity'::DOUBLE) AS first_pd
    FROM kept
)
GROUP BY patient_id
ORDER BY best_change_pct NULLS LAST, TRY_CAST(patient_id AS BIGINT) NULLS LAST, patient_id
