"""Prompts of the member call: what a member (or their voicemail) hears."""

from __future__ import annotations

PROMPTS: dict[str, dict[str, str]] = {
    "member_intro_urgent": {
        "nl": "Dringend bericht van het buurtinformatienetwerk {bin_name}, "
        "namens {zone_name}. Luister goed.",
        "fr": "Message urgent du réseau d'information de quartier {bin_name}, "
        "de la part de {zone_name}. Écoutez attentivement.",
        "de": "Dringende Nachricht des Nachbarschaftsinformationsnetzwerks {bin_name}, "
        "im Auftrag von {zone_name}. Bitte hören Sie gut zu.",
        "en": "Urgent message from the neighbourhood information network {bin_name}, "
        "on behalf of {zone_name}. Please listen carefully.",
    },
    "member_intro_feedback": {
        "nl": "Feedback van {zone_name} over het dringende bericht van het "
        "buurtinformatienetwerk {bin_name}.",
        "fr": "Retour de {zone_name} sur le message urgent du réseau d'information de "
        "quartier {bin_name}.",
        "de": "Rückmeldung von {zone_name} zur dringenden Nachricht des "
        "Nachbarschaftsinformationsnetzwerks {bin_name}.",
        "en": "Feedback from {zone_name} on the urgent message of the neighbourhood "
        "information network {bin_name}.",
    },
    "member_intro_test": {
        "nl": "Dit is een testbericht van het buurtinformatienetwerk {bin_name}, "
        "namens {zone_name}.",
        "fr": "Ceci est un message de test du réseau d'information de quartier {bin_name}, "
        "de la part de {zone_name}.",
        "de": "Dies ist eine Testnachricht des Nachbarschaftsinformationsnetzwerks {bin_name}, "
        "im Auftrag von {zone_name}.",
        "en": "This is a test message from the neighbourhood information network {bin_name}, "
        "on behalf of {zone_name}.",
    },
    "member_intro_cold": {
        "nl": "Bericht van het buurtinformatienetwerk {bin_name}, namens {zone_name}.",
        "fr": "Message du réseau d'information de quartier {bin_name}, "
        "de la part de {zone_name}.",
        "de": "Nachricht des Nachbarschaftsinformationsnetzwerks {bin_name}, "
        "im Auftrag von {zone_name}.",
        "en": "Message from the neighbourhood information network {bin_name}, "
        "on behalf of {zone_name}.",
    },
    "member_menu": {
        "nl": "Druk 1 om te bevestigen dat u het bericht gehoord hebt. "
        "Druk 2 om het opnieuw te beluisteren.",
        "fr": "Appuyez sur 1 pour confirmer que vous avez entendu le message. "
        "Appuyez sur 2 pour le réécouter.",
        "de": "Drücken Sie 1, um zu bestätigen, dass Sie die Nachricht gehört haben. "
        "Drücken Sie 2, um sie noch einmal zu hören.",
        "en": "Press 1 to confirm you have heard the message. Press 2 to hear it again.",
    },
    "member_repeat": {
        "nl": "Ik herhaal het bericht.",
        "fr": "Je répète le message.",
        "de": "Ich wiederhole die Nachricht.",
        "en": "I repeat the message.",
    },
    "member_invalid_key": {
        "nl": "Die toets ken ik niet.",
        "fr": "Cette touche n'est pas valable.",
        "de": "Diese Taste ist nicht gültig.",
        "en": "That key is not valid.",
    },
    "member_confirmed": {
        "nl": "Dank u. Uw bevestiging is genoteerd.",
        "fr": "Merci. Votre confirmation est enregistrée.",
        "de": "Danke. Ihre Bestätigung ist vermerkt.",
        "en": "Thank you. Your confirmation has been recorded.",
    },
    "member_closing": {
        "nl": "U kunt dit nummer niet terugbellen. Wilt u reageren, bel dan {zone_name} "
        "op het nummer {zone_phone}, of bel 101. In een noodgeval belt u 112.",
        "fr": "Vous ne pouvez pas rappeler ce numéro. Pour réagir, appelez {zone_name} "
        "au numéro {zone_phone}, ou le 101. En cas d'urgence, appelez le 112.",
        "de": "Sie können diese Nummer nicht zurückrufen. Um zu reagieren, rufen Sie "
        "{zone_name} unter der Nummer {zone_phone} an, oder die 101. "
        "Im Notfall wählen Sie 112.",
        "en": "You cannot call this number back. To respond, call {zone_name} on "
        "{zone_phone}, or call 101. In an emergency, call 112.",
    },
    "callback_replay_offer": {
        "nl": "Druk 1 om het laatste bericht van uw buurtinformatienetwerk "
        "opnieuw te beluisteren.",
        "fr": "Appuyez sur 1 pour réécouter le dernier message de votre réseau "
        "d'information de quartier.",
        "de": "Drücken Sie 1, um die letzte Nachricht Ihres "
        "Nachbarschaftsinformationsnetzwerks noch einmal zu hören.",
        "en": "Press 1 to hear the latest message of your neighbourhood information "
        "network again.",
    },
}
