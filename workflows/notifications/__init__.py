"""Notifications: outbox rows written in the same transaction as the change that caused them."""
