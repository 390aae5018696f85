-- Response counts per group (RECIST 1.1 best overall response).
-- Every selected patient is in the denominator: a missing response counts as NE
-- (not evaluable), never silently dropped.
--   ORR = (CR + PR) / n        DCR = (CR + PR + SD) / n
SELECT
    group_key,
    count(*)                                                   AS n,
    count(*) FILTER (WHERE best_response = 'CR')               AS cr,
    count(*) FILTER (WHERE best_response = 'PR')               AS pr,
    count(*) FILTER (WHERE best_response = 'SD')               AS sd,
    count(*) FILTER (WHERE best_response = 'PD')               AS pd,
    count(*) FILTER (WHERE coalesce(best_response, 'NE') = 'NE') AS ne,
    count(*) FILTER (WHERE best_response IS NULL)              AS unrecorded
FROM selected
GROUP BY group_key
