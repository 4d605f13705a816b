"""A local stand-in for Twilio's Voice API: REST, signed webhooks, TwiML and simulated phones.

Kept import-light on purpose: the app imports the demo credentials from here as config
defaults, and that must not pull in Flask servers or start threads. Use
``sandbox.server.SandboxServer`` to run it in-process, or ``python -m sandbox``.
"""

DEMO_ACCOUNT_SID = "AC00000000000000000000000000000001"
DEMO_AUTH_TOKEN = "0123456789abcdef0123456789abcdef"

__all__ = ["DEMO_ACCOUNT_SID", "DEMO_AUTH_TOKEN"]
