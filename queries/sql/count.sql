-- Patients per group.
SELECT group_key, count(*) AS n
FROM selected
GROUP BY group_key
