"""Project lifecycle: suspension of one month, termination, completion (R-LIFE)."""
