-- Patients per value of one categorical characteristic, per group.
SELECT group_key, CAST(characteristic AS VARCHAR) AS value, count(*) AS n
FROM selected
GROUP BY group_key, value
