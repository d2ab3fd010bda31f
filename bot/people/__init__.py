"""The register of residents and households (一楼一档): buildings → rooms (unit and
number) → households → residents, with the register roles 楼栋长/楼门管家, 党员中心户,
居民代表, 百姓监督员, 志愿者. Three ways in: the org file (`residents:` / `households:`
in a community), the roster file (`linli people import`, or sent to the bot by an
organizer), and /join with one-press approval; staff add, move and remove residents.

A resident linked to a Telegram person makes them a registered resident of the
community with their household: the polls' "registered residents only" and "one vote
per household" rules and the masking of one's own room number work from that.
Other features add lines to the household card through HOUSEHOLD_PARTS."""
from __future__ import annotations

from bot.people import texts
from bot.people.actions import (
    HOUSEHOLD_PARTS,
    HouseholdPart,
    add,
    building_list,
    household_card,
    import_roster,
    move,
    remove,
    staff_communities,
)
from bot.people.address import long_label, looks_like_room
from bot.people.buttons import JoinAct, JoinDecide, JoinPick
from bot.people.events import RegisterChanged
from bot.people.join import Step, room_name, rooms_of
from bot.people.join import decide as join_decide
from bot.people.join import pick as join_pick
from bot.people.join import start as join_start
from bot.people.join import typed as join_typed
from bot.people.paging import paged
from bot.people.register import (
    Place,
    buildings_of,
    counts,
    find_household,
    household_for,
    place_of,
)
from bot.people.roster import Imported, RosterError

__all__ = [
    "HOUSEHOLD_PARTS",
    "HouseholdPart",
    "Imported",
    "JoinAct",
    "JoinDecide",
    "JoinPick",
    "Place",
    "RegisterChanged",
    "RosterError",
    "Step",
    "add",
    "building_list",
    "buildings_of",
    "counts",
    "find_household",
    "household_card",
    "household_for",
    "import_roster",
    "join_decide",
    "join_pick",
    "join_start",
    "join_typed",
    "long_label",
    "looks_like_room",
    "move",
    "paged",
    "place_of",
    "remove",
    "room_name",
    "rooms_of",
    "staff_communities",
    "texts",
    "wire",
]


def wire() -> None:
    """The org file's residents / households sections (idempotent)."""
    from bot.org import section
    from bot.people.orgsection import SECTIONS

    for sec in SECTIONS:
        section(sec)
