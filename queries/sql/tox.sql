-- CTCAE toxicity: each patient counts once per term, at their worst grade (`_ae_worst`, made
-- when the cohort is loaded: max(grade) per patient and term of adverse_events).
-- Grade filters (grade>=3) apply to that worst grade, on the rows this returns.
-- The caller counts patients per term and grade, and takes percentages over ALL selected
-- patients, with or without an adverse event.
SELECT s.group_key, w.patient_id, w.term, w.worst_grade
FROM _ae_worst AS w
JOIN selected AS s ON s.patient_id = w.patient_id
