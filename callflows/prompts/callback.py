"""Prompts of the callback line (someone calls the caller ID back) and shared ones."""

from __future__ import annotations

PROMPTS: dict[str, dict[str, str]] = {
    # --- Callback line: someone calls the caller ID back --------------------------------
    "callback_notice": {
        "nl": "Dit is het oproepnummer van het buurtinformatienetwerk. "
        "Dit nummer kan niet teruggebeld worden. "
        "Wilt u reageren op een bericht, bel dan {zone_name} op het nummer {zone_phone}, "
        "of bel 101. In een noodgeval belt u 112.",
        "fr": "Ceci est le numéro d'appel du réseau d'information de quartier. "
        "Ce numéro ne peut pas être rappelé. "
        "Pour réagir à un message, appelez {zone_name} au numéro {zone_phone}, "
        "ou appelez le 101. En cas d'urgence, appelez le 112.",
        "de": "Dies ist die Rufnummer des Nachbarschaftsinformationsnetzwerks. "
        "Diese Nummer kann nicht zurückgerufen werden. "
        "Um auf eine Nachricht zu reagieren, rufen Sie {zone_name} unter der Nummer "
        "{zone_phone} an, oder wählen Sie 101. Im Notfall wählen Sie 112.",
        "en": "This is the calling number of the neighbourhood information network. "
        "This number cannot be called back. "
        "To respond to a message, call {zone_name} on {zone_phone}, or call 101. "
        "In an emergency, call 112.",
    },
    "callback_repeat": {
        "nl": "Ik herhaal.",
        "fr": "Je répète.",
        "de": "Ich wiederhole.",
        "en": "I repeat.",
    },
    "goodbye": {
        "nl": "Dank u, tot ziens.",
        "fr": "Merci, au revoir.",
        "de": "Danke, auf Wiederhören.",
        "en": "Thank you, goodbye.",
    },
}

