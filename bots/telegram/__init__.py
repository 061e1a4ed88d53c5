"""The Telegram front end: transport (:mod:`.app`), outbox sender (:mod:`.sender`), handlers.

The only package that imports ``telegram``.
"""
