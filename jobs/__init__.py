"""What RQ runs: small entry points that take IDs, reload, and call the domain.

Job names are strings in the queue (`jobs.broadcasts.dispatch`), so the domain enqueues
them without importing this package. Each job is idempotent and lets exceptions reach RQ.
"""
