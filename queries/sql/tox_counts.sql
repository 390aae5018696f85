-- Patients per group, term and worst grade, over `kept`: the rows of tox.sql that pass the
-- grade filters.
SELECT group_key, term, worst_grade, count(*) AS patients
FROM kept
GROUP BY group_key, term, worst_grade
