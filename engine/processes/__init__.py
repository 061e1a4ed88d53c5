"""Persistence of BPMN process instances and the work-item (inbox) projection."""
