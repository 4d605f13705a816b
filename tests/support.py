"""Helpers shared by tests: signing like the carrier, reading TwiML like a caller."""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET

from twilio.request_validator import RequestValidator


def sign(token: str, url: str, params: dict) -> str:
    return RequestValidator(token).compute_signature(url, params)


def spoken(twiml: str | bytes) -> list[str]:
    """What a caller hears from a TwiML document: the <Say> texts and <Play> URLs, in order."""
    root = ET.fromstring(twiml)
    heard = []
    for element in root.iter():
        if element.tag == "Say":
            heard.append(element.text or "")
        elif element.tag == "Play":
            heard.append(f"<play {element.text}>")
    return heard


def verbs(twiml: str | bytes) -> list[str]:
    return [element.tag for element in ET.fromstring(twiml).iter()][1:]


def wait_for(predicate, timeout: float = 20.0, interval: float = 0.05):
    """Poll until `predicate()` is truthy; return its value or fail with the timeout."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        time.sleep(interval)
