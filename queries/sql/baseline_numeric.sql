-- Median and range of one numeric characteristic, per group.
-- quantile_cont(…, 0.5) is the usual median (mean of the two middle values for even n).
SELECT
    group_key,
    count(characteristic)              AS n,
    quantile_cont(characteristic, 0.5) AS median,
    min(characteristic)                AS min,
    max(characteristic)                AS max
FROM selected
GROUP BY group_key
