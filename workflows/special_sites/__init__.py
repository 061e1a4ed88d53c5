"""Special sites (特殊场所, R-SPEC): direct report upload after the fire department approves it."""
