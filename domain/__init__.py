"""The BIN domain: members, BINs, officers, messages and the broadcast engine.

Everything the phone lines, the RQ jobs and (next) the web app share, and nothing of HTTP:
models and their declared statuses (`domain.status`), numbers, the carrier client, the
Redis connection, and `domain.broadcast` (fan-out, dialling, outcomes, cancel,
reconciliation, pacing). `ivr` (HTTP, CLI) and `jobs` (what RQ runs) call into it; it
never imports them (checked by import-linter in `make lint`). See docs/architecture.md.
"""
