-- CTCAE toxicity: each patient counts once per term, at their worst grade.
-- Grade filters (grade>=3) apply to that worst grade, on the rows this returns.
-- The caller counts patients per term and grade, and takes percentages over ALL selected
-- patients, with or without an adverse event.
SELECT s.group_key, ae.patient_id, ae.term, max(ae.grade) AS worst_grade
FROM adverse_events AS ae
JOIN selected AS s ON s.patient_id = ae.patient_id
GROUP BY s.group_key, ae.patient_id, ae.term
