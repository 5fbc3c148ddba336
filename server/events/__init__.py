"""Live events: the citizen's conversation screen and the operators' desk learn of changes by
long polling (``GET /api/v1/events/mailbox``, ``GET /api/operator/v1/events/operator``).

- ``notify``: what a writing transaction tells waiters (PostgreSQL NOTIFY, delivered at commit).
- ``state``: the few reads a waiter needs (a mailbox's revision, the feed counter), and token checks.
- ``fallback``: the same routes answered inside gunicorn by a short, bounded poll (each holds a
  worker thread: fine for a test or a small install, not the production model).
- ``service``: the production model, a separate asyncio process (``tipline-server events``) that
  holds thousands of idle connections for a few kilobytes each, woken by LISTEN/NOTIFY on
  PostgreSQL and by a cheap poll of the feed counter on SQLite (docs/operations.md).
"""
