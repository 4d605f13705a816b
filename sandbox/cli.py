"""Command line: run the sandbox server, or (``call``) be a phone calling into the app."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from . import DEMO_ACCOUNT_SID, DEMO_AUTH_TOKEN


def _number(value: str) -> tuple[str, str]:
    phone, sep, url = value.partition("=")
    if not sep or not phone.startswith("+") or not url:
        raise argparse.ArgumentTypeError("expected E164=VOICE_URL, e.g. +3250000000=http://...")
    return phone, url


def _fault(value: str) -> tuple[str, float]:
    name, sep, number = value.partition("=")
    if not sep:
        raise argparse.ArgumentTypeError("expected NAME=VALUE, e.g. rest_429_rate=0.1")
    return name, float(number)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m sandbox",
                                description="Local stand-in for Twilio's Voice API. "
                                            "Use 'python -m sandbox call --help' for the phone.")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=5050)
    p.add_argument("--account-sid", default=DEMO_ACCOUNT_SID)
    p.add_argument("--auth-token", default=DEMO_AUTH_TOKEN)
    p.add_argument("--scenario", metavar="FILE.json", help="phone behaviour per number")
    p.add_argument("--cps", type=float, default=1.0, help="calls per second (real time)")
    p.add_argument("--max-concurrent", type=int, default=0, help="0 = unlimited")
    p.add_argument("--time-scale", type=float, default=1.0,
                   help="multiply every simulated duration (0.01: 60 s of call in 0.6 s)")
    p.add_argument("--number", type=_number, action="append", default=[],
                   metavar="E164=VOICE_URL", help="an incoming number of the account")
    p.add_argument("--verified", action="append", default=[], metavar="E164",
                   help="a verified caller ID")
    p.add_argument("--fault", type=_fault, action="append", default=[], metavar="NAME=VALUE",
                   help="a fault knob, e.g. rest_429_rate=0.1 (see POST /sandbox/faults)")
    p.add_argument("--tariff-landline", type=float, default=0.03,
                   help="price per started minute of an answered call to a landline")
    p.add_argument("--tariff-mobile", type=float, default=0.15,
                   help="price per started minute of an answered call to a mobile (+324...)")
    p.add_argument("--tariff-sms", type=float, default=0.08,
                   help="price per segment of an outbound SMS")
    p.add_argument("--price-unit", default="EUR", help="currency of the prices")
    p.add_argument("--price-delay-s", type=float, default=0.0,
                   help="a call's price stays null this many (real) seconds after it ended")
    p.add_argument("--seed", type=int, default=None, help="seed for the fault dice")
    return p


def mailbox_main(argv: Sequence[str]) -> int:
    """``python -m sandbox mailbox``: the local SMTP server and its web viewer."""
    p = argparse.ArgumentParser(prog="python -m sandbox mailbox",
                                description="A local SMTP server that keeps every mail, "
                                            "and a web page to read them.")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--smtp-port", type=int, default=8025)
    p.add_argument("--http-port", type=int, default=8026)
    args = p.parse_args(argv)
    import threading

    from .mailbox import Mailbox
    from .mailbox_viewer import MailboxViewer

    box = Mailbox(args.host, args.smtp_port).start()
    viewer = MailboxViewer(box, args.host, args.http_port).start()
    print(f"mailbox: SMTP on {args.host}:{args.smtp_port}, mails at {viewer.url}",
          flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        viewer.stop()
        box.stop()
    return 0


def main(argv: Sequence[str]) -> int:
    argv = list(argv)
    if argv and argv[0] == "call":
        from .phone_cli import main as phone_main
        return phone_main(argv[1:])
    if argv and argv[0] == "mailbox":
        return mailbox_main(argv[1:])
    args = build_parser().parse_args(argv)
    scenario = None
    if args.scenario:
        with open(args.scenario, encoding="utf-8") as fh:
            scenario = json.load(fh)
    from .server import SandboxServer
    # A thread per live call and per webhook: hand the GIL over every 0.5 ms, not 5 ms,
    # so a thread back from the app's answer is not kept waiting (its wait would count
    # as the app's latency in the transcript).
    sys.setswitchinterval(0.0005)
    server = SandboxServer(
        account_sid=args.account_sid, auth_token=args.auth_token, scenario=scenario,
        cps=args.cps, max_concurrent=args.max_concurrent, time_scale=args.time_scale,
        numbers=dict(args.number), verified=args.verified, faults=dict(args.fault),
        seed=args.seed, host=args.host, port=args.port,
    )
    server.carrier.tariff.update({"landline": args.tariff_landline,
                                  "mobile": args.tariff_mobile, "sms": args.tariff_sms,
                                  "unit": args.price_unit,
                                  "delay_s": args.price_delay_s})
    print(f"sandbox on http://{args.host}:{args.port}  account {args.account_sid}  "
          f"cps {args.cps}  max-concurrent {args.max_concurrent}  time-scale {args.time_scale}",
          flush=True)
    server.serve_forever()
    return 0
