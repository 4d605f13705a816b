"""The broadcast engine: a confirmed message becomes one call per member, paced, retried,
reconciled; nothing lost, nobody called twice (DESIGN.md "Broadcasts")."""
