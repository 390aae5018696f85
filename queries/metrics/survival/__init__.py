"""The time-to-event metrics: Kaplan–Meier answers per endpoint (`endpoints`), the hazard ratios
between their groups (`hazards`), and the forest of subgroups (`forest`, `forest_hazards`)."""
