"""Prompts of the recording line: the police flow to record and send a message.

The line itself speaks Dutch (officers choose nothing), but every text exists in all
four languages so a zone can switch or record its own prompt files. Short sentences:
this is heard at the worst moment, by someone in a hurry.
"""

from __future__ import annotations

# Month names for reading back the date of an alert ("12 maart om 14:05").
MONTHS: dict[str, tuple[str, ...]] = {
    "nl": ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
           "september", "oktober", "november", "december"),
    "fr": ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
           "septembre", "octobre", "novembre", "décembre"),
    "de": ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August",
           "September", "Oktober", "November", "Dezember"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"),
}

PROMPTS: dict[str, dict[str, str]] = {
    # --- Sign-in -------------------------------------------------------------------------
    "rec_welcome": {
        "nl": "Opnamelijn van het buurtinformatienetwerk.",
        "fr": "Ligne d'enregistrement du réseau d'information de quartier.",
        "de": "Aufnahmeleitung des Nachbarschaftsinformationsnetzwerks.",
        "en": "Recording line of the neighbourhood information network.",
    },
    "rec_officer": {
        "nl": "Toets uw agentnummer, gevolgd door hekje.",
        "fr": "Composez votre numéro d'agent, suivi de dièse.",
        "de": "Geben Sie Ihre Dienstnummer ein, gefolgt von Raute.",
        "en": "Enter your officer number, followed by hash.",
    },
    "rec_pin": {
        "nl": "Toets uw pincode, gevolgd door hekje.",
        "fr": "Composez votre code PIN, suivi de dièse.",
        "de": "Geben Sie Ihre PIN ein, gefolgt von Raute.",
        "en": "Enter your PIN, followed by hash.",
    },
    "rec_pin_wrong": {
        "nl": "Agentnummer of pincode niet herkend. Probeer opnieuw.",
        "fr": "Numéro d'agent ou code PIN non reconnu. Réessayez.",
        "de": "Dienstnummer oder PIN nicht erkannt. Versuchen Sie es erneut.",
        "en": "Officer number or PIN not recognised. Try again.",
    },
    "rec_too_many": {
        "nl": "Te veel mislukte pogingen. De oproep wordt beëindigd.",
        "fr": "Trop de tentatives échouées. L'appel va se terminer.",
        "de": "Zu viele Fehlversuche. Der Anruf wird beendet.",
        "en": "Too many failed attempts. The call will end.",
    },
    "rec_locked": {
        "nl": "De toegang is tijdelijk geblokkeerd. Probeer later opnieuw.",
        "fr": "L'accès est temporairement bloqué. Réessayez plus tard.",
        "de": "Der Zugang ist vorübergehend gesperrt. Versuchen Sie es später erneut.",
        "en": "Access is temporarily locked. Try again later.",
    },
    "rec_hello": {
        "nl": "Aangemeld als {name}.",
        "fr": "Connecté en tant que {name}.",
        "de": "Angemeldet als {name}.",
        "en": "Signed in as {name}.",
    },
    # --- What kind of message ------------------------------------------------------------
    "rec_kind_menu": {
        "nl": "Toets 1 voor een dringend bericht, 2 voor feedback op uw laatste melding, "
        "3 voor een testbericht naar uw eigen telefoon.",
        "fr": "Tapez 1 pour un message urgent, 2 pour un suivi de votre dernière alerte, "
        "3 pour un message de test vers votre propre téléphone.",
        "de": "Drücken Sie 1 für eine dringende Nachricht, 2 für eine Rückmeldung zu Ihrer "
        "letzten Meldung, 3 für eine Testnachricht an Ihr eigenes Telefon.",
        "en": "Press 1 for an urgent message, 2 for feedback on your latest alert, "
        "3 for a test message to your own phone.",
    },
    "rec_kind_menu_no_test": {
        "nl": "Toets 1 voor een dringend bericht, 2 voor feedback op uw laatste melding.",
        "fr": "Tapez 1 pour un message urgent, 2 pour un suivi de votre dernière alerte.",
        "de": "Drücken Sie 1 für eine dringende Nachricht, 2 für eine Rückmeldung zu Ihrer "
        "letzten Meldung.",
        "en": "Press 1 for an urgent message, 2 for feedback on your latest alert.",
    },
    "rec_no_phone": {
        "nl": "Er is geen eigen telefoonnummer van u gekend. Een testbericht is niet mogelijk.",
        "fr": "Aucun numéro de téléphone personnel n'est connu pour vous. "
        "Un message de test n'est pas possible.",
        "de": "Für Sie ist keine eigene Telefonnummer hinterlegt. "
        "Eine Testnachricht ist nicht möglich.",
        "en": "No phone number of your own is on file. A test message is not possible.",
    },
    "rec_test_intro": {
        "nl": "Testbericht, alleen naar uw eigen telefoon.",
        "fr": "Message de test, uniquement vers votre propre téléphone.",
        "de": "Testnachricht, nur an Ihr eigenes Telefon.",
        "en": "Test message, to your own phone only.",
    },
    "rec_no_alert": {
        "nl": "U hebt nog geen dringend bericht verzonden. Feedback is niet mogelijk.",
        "fr": "Vous n'avez pas encore envoyé de message urgent. Un suivi n'est pas possible.",
        "de": "Sie haben noch keine dringende Nachricht gesendet. "
        "Eine Rückmeldung ist nicht möglich.",
        "en": "You have not sent an urgent message yet. Feedback is not possible.",
    },
    "rec_feedback_readback": {
        "nl": "Feedback op uw dringend bericht van {date} om {time}, aan {members} leden.",
        "fr": "Suivi de votre message urgent du {date} à {time}, vers {members} membres.",
        "de": "Rückmeldung zu Ihrer dringenden Nachricht vom {date} um {time}, "
        "an {members} Mitglieder.",
        "en": "Feedback on your urgent message of {date} at {time}, to {members} members.",
    },
    "rec_feedback_menu": {
        "nl": "Toets 1 om de feedback in te spreken, 2 om terug te gaan.",
        "fr": "Tapez 1 pour enregistrer le suivi, 2 pour revenir en arrière.",
        "de": "Drücken Sie 1, um die Rückmeldung aufzunehmen, 2, um zurückzugehen.",
        "en": "Press 1 to record the feedback, 2 to go back.",
    },
    # --- Which BINs ----------------------------------------------------------------------
    "rec_bin_code": {
        "nl": "Toets de code van het buurtinformatienetwerk, gevolgd door hekje. "
        "Nul hekje is alle netwerken.",
        "fr": "Composez le code du réseau d'information de quartier, suivi de dièse. "
        "Zéro dièse pour tous les réseaux.",
        "de": "Geben Sie den Code des Nachbarschaftsnetzwerks ein, gefolgt von Raute. "
        "Null Raute für alle Netzwerke.",
        "en": "Enter the code of the neighbourhood network, followed by hash. "
        "Zero hash for all networks.",
    },
    "rec_bin_more": {
        "nl": "Toets de code van het volgende netwerk, gevolgd door hekje.",
        "fr": "Composez le code du réseau suivant, suivi de dièse.",
        "de": "Geben Sie den Code des nächsten Netzwerks ein, gefolgt von Raute.",
        "en": "Enter the code of the next network, followed by hash.",
    },
    "rec_bin_unknown": {
        "nl": "Netwerk {code} bestaat niet.",
        "fr": "Le réseau {code} n'existe pas.",
        "de": "Netzwerk {code} gibt es nicht.",
        "en": "Network {code} does not exist.",
    },
    "rec_bin_readback": {
        "nl": "Netwerk {code}, {name}: {members} leden.",
        "fr": "Réseau {code}, {name} : {members} membres.",
        "de": "Netzwerk {code}, {name}: {members} Mitglieder.",
        "en": "Network {code}, {name}: {members} members.",
    },
    "rec_bin_all_readback": {
        "nl": "Alle netwerken: {members} leden.",
        "fr": "Tous les réseaux : {members} membres.",
        "de": "Alle Netzwerke: {members} Mitglieder.",
        "en": "All networks: {members} members.",
    },
    "rec_bin_total": {
        "nl": "Samen met uw vorige keuze: {members} leden.",
        "fr": "Avec votre choix précédent : {members} membres.",
        "de": "Zusammen mit Ihrer vorigen Wahl: {members} Mitglieder.",
        "en": "Together with your earlier choice: {members} members.",
    },
    "rec_bin_menu": {
        "nl": "Toets 1 om te bevestigen, 2 om een ander netwerk te kiezen, "
        "3 om nog een netwerk toe te voegen.",
        "fr": "Tapez 1 pour confirmer, 2 pour choisir un autre réseau, "
        "3 pour ajouter un autre réseau.",
        "de": "Drücken Sie 1 zum Bestätigen, 2, um ein anderes Netzwerk zu wählen, "
        "3, um ein weiteres Netzwerk hinzuzufügen.",
        "en": "Press 1 to confirm, 2 to choose another network, 3 to add another network.",
    },
    "rec_bin_label": {
        "nl": "netwerk {code}, {name}",
        "fr": "réseau {code}, {name}",
        "de": "Netzwerk {code}, {name}",
        "en": "network {code}, {name}",
    },
    "rec_all_bins": {
        "nl": "alle netwerken",
        "fr": "tous les réseaux",
        "de": "alle Netzwerke",
        "en": "all networks",
    },
    # --- Recording and listening back ----------------------------------------------------
    "rec_record": {
        "nl": "Spreek uw bericht in na de toon. Toets hekje als u klaar bent. "
        "U hebt maximaal twee minuten.",
        "fr": "Enregistrez votre message après le bip. Tapez dièse quand vous avez terminé. "
        "Vous disposez de deux minutes au maximum.",
        "de": "Sprechen Sie Ihre Nachricht nach dem Signalton. Drücken Sie Raute, wenn Sie "
        "fertig sind. Sie haben höchstens zwei Minuten.",
        "en": "Record your message after the tone. Press hash when you are done. "
        "You have two minutes at most.",
    },
    "rec_nothing_recorded": {
        "nl": "Ik heb geen opname ontvangen.",
        "fr": "Je n'ai reçu aucun enregistrement.",
        "de": "Ich habe keine Aufnahme erhalten.",
        "en": "I received no recording.",
    },
    "rec_refused_silent": {
        "nl": "Op de opname is niets te horen.",
        "fr": "On n'entend rien sur l'enregistrement.",
        "de": "Auf der Aufnahme ist nichts zu hören.",
        "en": "Nothing can be heard on the recording.",
    },
    "rec_refused_too_short": {
        "nl": "De opname is korter dan een seconde.",
        "fr": "L'enregistrement dure moins d'une seconde.",
        "de": "Die Aufnahme ist kürzer als eine Sekunde.",
        "en": "The recording is shorter than one second.",
    },
    "rec_refused_unreadable": {
        "nl": "De opname kon niet gelezen worden.",
        "fr": "L'enregistrement n'a pas pu être lu.",
        "de": "Die Aufnahme konnte nicht gelesen werden.",
        "en": "The recording could not be read.",
    },
    "rec_listen": {
        "nl": "U hoort nu uw bericht.",
        "fr": "Vous allez entendre votre message.",
        "de": "Sie hören jetzt Ihre Nachricht.",
        "en": "Here is your message.",
    },
    "rec_review_menu": {
        "nl": "Toets 1 om te verzenden, 2 om opnieuw in te spreken, 3 om opnieuw te "
        "beluisteren, sterretje om te annuleren.",
        "fr": "Tapez 1 pour envoyer, 2 pour réenregistrer, 3 pour réécouter, "
        "étoile pour annuler.",
        "de": "Drücken Sie 1 zum Senden, 2 zum erneuten Aufnehmen, 3 zum erneuten Anhören, "
        "Stern zum Abbrechen.",
        "en": "Press 1 to send, 2 to record again, 3 to listen again, star to cancel.",
    },
    # --- The end -------------------------------------------------------------------------
    "rec_sent": {
        "nl": "Verzonden naar {members} leden van {bins}.",
        "fr": "Envoyé à {members} membres de {bins}.",
        "de": "Gesendet an {members} Mitglieder von {bins}.",
        "en": "Sent to {members} members of {bins}.",
    },
    "rec_sent_feedback": {
        "nl": "Feedback verzonden naar {members} leden.",
        "fr": "Suivi envoyé à {members} membres.",
        "de": "Rückmeldung gesendet an {members} Mitglieder.",
        "en": "Feedback sent to {members} members.",
    },
    "rec_sent_test": {
        "nl": "Testbericht verzonden naar uw eigen telefoon.",
        "fr": "Message de test envoyé vers votre propre téléphone.",
        "de": "Testnachricht an Ihr eigenes Telefon gesendet.",
        "en": "Test message sent to your own phone.",
    },
    "rec_cancelled": {
        "nl": "Geannuleerd. Er is niets verzonden.",
        "fr": "Annulé. Rien n'a été envoyé.",
        "de": "Abgebrochen. Es wurde nichts gesendet.",
        "en": "Cancelled. Nothing was sent.",
    },
    "rec_no_input": {
        "nl": "Ik heb niets gehoord.",
        "fr": "Je n'ai rien entendu.",
        "de": "Ich habe nichts gehört.",
        "en": "I did not hear anything.",
    },
    "rec_invalid": {
        "nl": "Dat is geen geldige keuze.",
        "fr": "Ce choix n'est pas valable.",
        "de": "Das ist keine gültige Wahl.",
        "en": "That is not a valid choice.",
    },
    "rec_end_unfinished": {
        "nl": "Ik beëindig de oproep. Er is niets verzonden. Tot ziens.",
        "fr": "Je termine l'appel. Rien n'a été envoyé. Au revoir.",
        "de": "Ich beende den Anruf. Es wurde nichts gesendet. Auf Wiederhören.",
        "en": "I am ending the call. Nothing was sent. Goodbye.",
    },
}
