"""Deliveries of stored notifications beyond the app: e-mail (``email``) and Web Push (``push``).

A notification row is written once (``notifications.services``); these modules send it out on a channel,
claiming each row first with a conditional UPDATE on its stamp (``emailed_at``, ``pushed_at``) so a retried
or repeated task never sends the same row twice. No transaction is open while they talk to the network.
"""
