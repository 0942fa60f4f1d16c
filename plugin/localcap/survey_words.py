"""The words of the survey pages themselves (buttons, progress, messages), in each language a
page can be shown in.

An instrument's own texts (labels, choices, notes, survey instructions) come from the project's
translations; these are the words around them. A language without its own words here falls back
to English word by word, so a new language never shows a blank button.
"""

from __future__ import annotations

ENGLISH = {
    "language": "Language",
    "required": "(required)",
    "needs_answer": "This question needs an answer.",
    "choose_option": "Choose one of the options.",
    "whole_number": "Enter a whole number, for example 12.",
    "number": "Enter a number, for example 2.5.",
    "decimals": "Enter a number with {places} decimal place(s), for example {example}.",
    "date": "Enter a date as year-month-day, for example 2026-03-31.",
    "datetime": "Enter a date and time as year-month-day hours:minutes, for example "
    "2026-03-31 14:30.",
    "time": "Enter a time as hours:minutes, for example 14:30.",
    "time_seconds": "Enter a time as hours:minutes:seconds, for example 14:30:00.",
    "minutes_seconds": "Enter a time as minutes:seconds, for example 04:30.",
    "email": "Enter an e-mail address, for example name@example.org.",
    "between": "Enter a value from {low} to {high}.",
    "at_least": "Enter a value of {low} or more.",
    "at_most": "Enter a value of {high} or less.",
    "too_long": "This answer is longer than a survey can keep ({limit} bytes, about 65,000 "
    "letters): shorten it.",
    "charlimit": "Use at most {limit} characters (this answer has {count}).",
    "none_of_above": "'{label}' cannot be chosen together with another option.",
    "not_accepted": "This answer was not accepted: {why}",
    "characters_left": "Up to {limit} characters.",
    "problems": "Some answers need attention before you go on. Nothing has been submitted yet.",
    "more_questions": "Your answers brought up more questions on this page: please look at "
    "them before you go on.",
    "page_of": "Page {page} of {pages}",
    "progress": "Progress",
    "previous": "Previous",
    "next": "Next",
    "review": "Review my answers",
    "submit": "Submit",
    "save": "Save & return later",
    "change": "Change",
    "change_page": "Change the answers on page {page}",
    "review_title": "Review your answers",
    "review_intro": "Check your answers below. Use 'Change' to correct any of them, then submit.",
    "no_answer": "(no answer)",
    "thanks": "Thank you for taking the survey.",
    "already_done": "Thank you: this survey has already been completed.",
    "closed": "This survey closed on {date}. Thank you for your interest.",
    "not_found_title": "Survey not found",
    "not_found": "This survey link is not valid. Check the link in your invitation.",
    "not_active_title": "Survey not active",
    "not_active": "This survey is not active at the moment.",
    "saved": "Your answers so far have been saved.",
    "come_back": "To come back later, open this link and enter your return code:",
    "return_code": "Return code",
    "enter_code": "You have already started this survey. Enter your return code to go on "
    "where you left off.",
    "wrong_code": "That return code is not right for this survey.",
    "tries_left": "{left} more wrong tries will lock this link for a while.",
    "try_left": "1 more wrong try will lock this link for a while.",
    "continue": "Continue",
}

FRENCH = {
    "language": "Langue",
    "required": "(obligatoire)",
    "needs_answer": "Cette question demande une réponse.",
    "choose_option": "Choisissez l'une des options.",
    "whole_number": "Saisissez un nombre entier, par exemple 12.",
    "number": "Saisissez un nombre, par exemple 2,5.",
    "decimals": "Saisissez un nombre avec {places} décimale(s), par exemple {example}.",
    "date": "Saisissez une date sous la forme année-mois-jour, par exemple 2026-03-31.",
    "datetime": "Saisissez une date et une heure sous la forme année-mois-jour heures:minutes, "
    "par exemple 2026-03-31 14:30.",
    "time": "Saisissez une heure sous la forme heures:minutes, par exemple 14:30.",
    "time_seconds": "Saisissez une heure sous la forme heures:minutes:secondes, par exemple "
    "14:30:00.",
    "minutes_seconds": "Saisissez une durée sous la forme minutes:secondes, par exemple 04:30.",
    "email": "Saisissez une adresse électronique, par exemple nom@exemple.org.",
    "between": "Saisissez une valeur de {low} à {high}.",
    "at_least": "Saisissez une valeur d'au moins {low}.",
    "at_most": "Saisissez une valeur d'au plus {high}.",
    "too_long": "Cette réponse est plus longue qu'une enquête ne peut en garder ({limit} octets, "
    "environ 65 000 lettres) : raccourcissez-la.",
    "charlimit": "Utilisez au plus {limit} caractères (cette réponse en compte {count}).",
    "none_of_above": "« {label} » ne peut pas être choisi avec une autre option.",
    "not_accepted": "Cette réponse n'a pas été acceptée : {why}",
    "characters_left": "Jusqu'à {limit} caractères.",
    "problems": "Certaines réponses demandent votre attention avant de continuer. Rien n'a "
    "encore été envoyé.",
    "more_questions": "Vos réponses ont fait apparaître d'autres questions sur cette page : "
    "veuillez les consulter avant de continuer.",
    "page_of": "Page {page} sur {pages}",
    "progress": "Progression",
    "previous": "Précédent",
    "next": "Suivant",
    "review": "Relire mes réponses",
    "submit": "Envoyer",
    "save": "Enregistrer et revenir plus tard",
    "change": "Modifier",
    "change_page": "Modifier les réponses de la page {page}",
    "review_title": "Relisez vos réponses",
    "review_intro": "Vérifiez vos réponses ci-dessous. Utilisez « Modifier » pour en corriger "
    "une, puis envoyez.",
    "no_answer": "(sans réponse)",
    "thanks": "Merci d'avoir répondu à l'enquête.",
    "already_done": "Merci : cette enquête a déjà été remplie.",
    "closed": "Cette enquête est close depuis le {date}. Merci de votre intérêt.",
    "not_found_title": "Enquête introuvable",
    "not_found": "Ce lien d'enquête n'est pas valide. Vérifiez le lien de votre invitation.",
    "not_active_title": "Enquête inactive",
    "not_active": "Cette enquête n'est pas active pour le moment.",
    "saved": "Vos réponses ont été enregistrées.",
    "come_back": "Pour revenir plus tard, ouvrez ce lien et saisissez votre code de retour :",
    "return_code": "Code de retour",
    "enter_code": "Vous avez déjà commencé cette enquête. Saisissez votre code de retour pour "
    "reprendre là où vous vous êtes arrêté.",
    "wrong_code": "Ce code de retour ne correspond pas à cette enquête.",
    "tries_left": "Encore {left} essais erronés et ce lien sera bloqué pendant un moment.",
    "try_left": "Encore 1 essai erroné et ce lien sera bloqué pendant un moment.",
    "continue": "Continuer",
}

SPANISH = {
    "language": "Idioma",
    "required": "(obligatoria)",
    "needs_answer": "Esta pregunta necesita una respuesta.",
    "choose_option": "Elija una de las opciones.",
    "whole_number": "Escriba un número entero, por ejemplo 12.",
    "number": "Escriba un número, por ejemplo 2.5.",
    "decimals": "Escriba un número con {places} decimal(es), por ejemplo {example}.",
    "date": "Escriba una fecha como año-mes-día, por ejemplo 2026-03-31.",
    "datetime": "Escriba una fecha y hora como año-mes-día horas:minutos, por ejemplo "
    "2026-03-31 14:30.",
    "time": "Escriba una hora como horas:minutos, por ejemplo 14:30.",
    "time_seconds": "Escriba una hora como horas:minutos:segundos, por ejemplo 14:30:00.",
    "minutes_seconds": "Escriba una duración como minutos:segundos, por ejemplo 04:30.",
    "email": "Escriba una dirección de correo electrónico, por ejemplo nombre@ejemplo.org.",
    "between": "Escriba un valor de {low} a {high}.",
    "at_least": "Escriba un valor de {low} o más.",
    "at_most": "Escriba un valor de {high} o menos.",
    "too_long": "Esta respuesta es más larga de lo que una encuesta puede guardar ({limit} bytes, "
    "unas 65.000 letras): acórtela.",
    "charlimit": "Use como máximo {limit} caracteres (esta respuesta tiene {count}).",
    "none_of_above": "'{label}' no puede elegirse junto con otra opción.",
    "not_accepted": "Esta respuesta no fue aceptada: {why}",
    "characters_left": "Hasta {limit} caracteres.",
    "problems": "Algunas respuestas necesitan atención antes de continuar. Todavía no se ha "
    "enviado nada.",
    "more_questions": "Sus respuestas hicieron aparecer más preguntas en esta página: revíselas "
    "antes de continuar.",
    "page_of": "Página {page} de {pages}",
    "progress": "Progreso",
    "previous": "Anterior",
    "next": "Siguiente",
    "review": "Revisar mis respuestas",
    "submit": "Enviar",
    "save": "Guardar y volver más tarde",
    "change": "Cambiar",
    "change_page": "Cambiar las respuestas de la página {page}",
    "review_title": "Revise sus respuestas",
    "review_intro": "Compruebe sus respuestas. Use 'Cambiar' para corregir alguna y luego envíe.",
    "no_answer": "(sin respuesta)",
    "thanks": "Gracias por responder la encuesta.",
    "already_done": "Gracias: esta encuesta ya fue completada.",
    "closed": "Esta encuesta se cerró el {date}. Gracias por su interés.",
    "not_found_title": "Encuesta no encontrada",
    "not_found": "Este enlace de encuesta no es válido. Compruebe el enlace de su invitación.",
    "not_active_title": "Encuesta no activa",
    "not_active": "Esta encuesta no está activa en este momento.",
    "saved": "Sus respuestas hasta ahora se han guardado.",
    "come_back": "Para volver más tarde, abra este enlace y escriba su código de retorno:",
    "return_code": "Código de retorno",
    "enter_code": "Ya comenzó esta encuesta. Escriba su código de retorno para seguir donde lo "
    "dejó.",
    "wrong_code": "Ese código de retorno no corresponde a esta encuesta.",
    "tries_left": "{left} intentos erróneos más bloquearán este enlace por un tiempo.",
    "try_left": "1 intento erróneo más bloqueará este enlace por un tiempo.",
    "continue": "Continuar",
}

WORDS = {"en": ENGLISH, "fr": FRENCH, "es": SPANISH}


def words(language: str) -> dict[str, str]:
    """The page's words in ``language`` (its base language for a regional code such as
    ``fr-CA``), English where a word has no translation."""
    base = language.split("-", 1)[0].lower()
    return {**ENGLISH, **WORDS.get(language, WORDS.get(base, {}))}
