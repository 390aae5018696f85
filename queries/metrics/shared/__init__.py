"""Pieces the metrics share: running a metric's SQL over the selection, the limits that refuse
an answer before any work, naming groups, the notes an answer carries, the Kaplan–Meier pieces.
"""
