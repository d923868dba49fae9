"""Delivery of notifications to agencies: the outbox (``store.outbox``), server-sent events, signed webhooks.

The code that causes a notification (a hit) calls ``kalkan.store.outbox.enqueue`` in its own
transaction; ``worker.DeliveryWorker`` delivers to webhooks after the commit; the API streams
an agency's notifications as server-sent events and lists them for catching up.
"""
