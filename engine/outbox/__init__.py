"""The transactional outbox: its table (``models``), channel senders (``senders``), the delivery ``worker``.

Domain code writes rows with :func:`workflows.notifications.service.notify`; nothing here knows
what a notification is about.
"""
