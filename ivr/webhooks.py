"""The one helper every voice view answers with: TwiML responses and our public URLs.

URLs handed to the carrier are built by `domain.public_urls.public_url` (jobs build them
too, for the create-call request); `url()` here adds Flask's routing for the views.
"""

from __future__ import annotations

from flask import Response, url_for
from twilio.twiml.voice_response import VoiceResponse

from domain.public_urls import public_url


def twiml(response: VoiceResponse) -> Response:
    """A TwiML document, as the carrier expects it."""
    return Response(str(response), mimetype="text/xml")


def hang_up() -> Response:
    response = VoiceResponse()
    response.hangup()
    return twiml(response)


def no_content() -> Response:
    """For callbacks the carrier only reports to (status, detection): nothing to say."""
    return Response(status=204)


def url(endpoint: str, **query: object) -> str:
    """The public URL of one of our views, e.g. `url("recording_line.keys")`."""
    return public_url(url_for(endpoint), **query)
