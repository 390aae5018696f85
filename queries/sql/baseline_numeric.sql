-- Median and range of one numeric characteristic ({column}), per group.
-- quantile_cont(…, 0.5) is the usual median (mean of the two middle values for even n).
SELECT
    group_key,
    count({column})                   AS n,
    quantile_cont({column}, 0.5)      AS median,
    min({column})                     AS min,
    max({column})                     AS max
FROM selected
GROUP BY group_key
