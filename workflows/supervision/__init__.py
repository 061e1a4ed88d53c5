"""The fire department's side: supervisors and per-jurisdiction statistics (R-SUP)."""
