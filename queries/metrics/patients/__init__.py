"""The patient-level metrics, one row or bar a patient (patient channels only): the patient card,
the patient list, the swimmer lanes, and the waterfall and spider plots of tumour measurements."""
