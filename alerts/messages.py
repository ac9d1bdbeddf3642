"""The texts of alert messages: gettext msgids (English) of the `alerts` domain, translated in hub/locales."""

from __future__ import annotations

from dataclasses import dataclass


def N_(msgid: str) -> str:
    """Mark a msgid for `pybabel extract`; it is translated where it is rendered."""
    return msgid


def NC_(context: str, msgid: str) -> tuple[str, str]:
    """Mark a msgid with its context (msgctxt) for `pybabel extract`."""
    return context, msgid


@dataclass(frozen=True)
class Template:
    """The title and body msgids of one kind of message ({named} placeholders, see alerts.render.values)."""

    title: str
    body: str


TEMPLATES: dict[str, Template] = {
    "river_level": Template(
        title=N_("[Alert level {level} equivalent] {river} at {station}: {state_name}"),
        body=N_(
            "At {time} the {river} at the {station} gauge reached the {state_name} ({water_level} m).\n"
            "This is equivalent to alert level {level} ({level_name}). "
            "If you are in an area at risk of flooding in {areas},\n"
            "move to a safe place now. Shelters: {shelters}"
        ),
    ),
    "evacuation_order": Template(
        title=N_("[Alert level {level}] {level_name} ({hazard_name}) for {areas}"),
        body=N_(
            "At {time} the ward issued {level_name} (alert level {level}) for {areas}.\n"
            "Everyone in the area, evacuate to a safe place immediately. Shelters: {shelters}"
        ),
    ),
    "cancel": Template(
        title=N_("[CANCELLED] {original_title}"),
        body=N_("At {time} the following notice was cancelled: {original_title}"),
    ),
    "river_staff": Template(
        title=N_("[Staff] {river} {station}: {state_name}"),
        body=N_(
            "At {time} the {station} gauge reached the {state_name} ({water_level} m), alert level {level} equivalent."
        ),
    ),
    "river_falling": Template(
        title=N_("[Staff] {river} {station}: water falling ({state_name})"),
        body=N_("At {time} the water at the {station} gauge fell to the {state_name} ({water_level} m)."),
    ),
    "rate_of_rise": Template(
        title=N_("[Staff] {river} {station}: rapid rise"),
        body=N_("At {time} the {station} gauge observed a rapid rise of the water ({water_level} m)."),
    ),
    "gauge_stale": Template(
        title=N_("[Staff] {station}: no data"),
        body=N_("No data from the {station} gauge since {time}. Check the device and its connection."),
    ),
}
#: CAP <event> of each kind of alert, in the language of its <info>.
EVENT_NAMES: dict[str, str] = {
    "river_level": N_("River water level information"),
    "evacuation_order": N_("Evacuation information"),
    "river_staff": N_("River water level (staff)"),
    "gauge_stale": N_("Water level gauge not reporting (staff)"),
}
#: Events of staff-only alerts (ja and en only, like STAFF_TEMPLATES).
STAFF_EVENTS = frozenset(("river_staff", "gauge_stale"))
#: Written for staff (ja and en only): other languages show the ja text, and say so (Rendered.fallbacks).
STAFF_TEMPLATES = frozenset(("river_staff", "river_falling", "rate_of_rise", "gauge_stale"))

LIST_SEPARATOR = NC_("list separator", ", ")
NONE_OPEN = N_("No shelter is open yet. Check the ward website and outdoor loudspeakers")
UPDATE_PREFIX = N_("[UPDATE] ")
LEVELS: dict[int, str] = {
    1: N_("Early warning"),
    2: N_("Advisory"),
    3: N_("Evacuation of elderly etc."),
    4: N_("Evacuation instruction"),
    5: N_("Emergency safety measures"),
}
STATES: dict[str, str] = {
    "normal": N_("normal"),
    "observation": N_("observation start level"),
    "standby": N_("standby level"),
    "caution": N_("flood caution level"),
    "evacuation": N_("evacuation judgement level"),
    "danger": N_("flood danger level"),
    "flooding": N_("flooding"),
}
HAZARDS: dict[str, str] = {
    "flood": N_("river flood"),
    "landslide": N_("landslide"),
    "storm_surge": N_("storm surge"),
    "earthquake": N_("earthquake"),
    "tsunami": N_("tsunami"),
    "large_fire": N_("large fire"),
    "inland_flood": N_("inland flooding"),
    "volcano": N_("volcano"),
}
#: Fixed phrases by section: the LINE bot's, the sign page's.
PHRASES: dict[str, dict[str, str]] = {
    "_line": {
        "welcome": N_(
            'This is Bosai Hub. Choose the areas and the language for alerts: send "area" or "language" for a menu. '
            "Send your location to see the nearest open shelters."
        ),
        "choose_language": N_("Choose a language"),
        "choose_area": N_("Choose up to 3 areas, or send your location"),
        "language_set": N_("Language set"),
        "area_set": N_("Alerts for: {areas}"),
        "area_full": N_("You can choose up to 3 areas; remove one first"),
        "shelters": N_("Nearest open shelters:"),
        "no_shelters": N_("No open shelter nearby. Check the ward website and outdoor loudspeakers"),
        "help": N_('Send "area" or "language" for a menu. Send your location to see the nearest open shelters.'),
        "send_location": N_("Send my location"),
    },
    "_signage": {
        "calm": N_("No alerts for this area"),
        "go": N_("Nearest open shelter"),
        "lost": N_("no connection since {time}"),
    },
}
