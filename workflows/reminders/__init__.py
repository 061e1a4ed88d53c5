"""Reminders of the R-DUE table: computed from domain rows by the scheduler, each written once."""
