-- Patients per value of one categorical characteristic ({column}), per group.
SELECT group_key, CAST({column} AS VARCHAR) AS value, count(*) AS n
FROM selected
GROUP BY group_key, value
