-- Over `kept` (the tox.sql rows passing the grade filters), in one pass: patients per group,
-- term and worst grade; then one row with `any_term` true and term NULL counting the patients
-- with at least one such event.
SELECT group_key, term, worst_grade, count(*) AS patients, FALSE AS any_term
FROM kept
GROUP BY group_key, term, worst_grade
UNION ALL
SELECT NULL, NULL, NULL, count(DISTINCT patient_id), TRUE
FROM kept
