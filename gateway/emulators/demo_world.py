"""The raw material of the demo world: one company's accounts at every provider.

Numbers come from ranges the regulators keep for fiction and documentation, so nothing
in a demo, a screenshot or a test can ring a real line: NANP ``555-0100..0199`` (US,
Canada), Ofcom's drama ranges (UK), the Bundesnetzagentur's drama numbers (Germany) and
ACMA's fictitious ranges (Australia). Names, labels and localities are in the language
of the place they belong to.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from dataclasses import dataclass


@dataclass(frozen=True)
class Block:
    """A reserved range: ``prefix`` followed by ``digits`` digits from ``first``, ``size`` long."""

    country: str  # ISO 3166 alpha-2
    prefix: str  # E.164 up to the subscriber digits
    digits: int
    first: int
    size: int
    locality: str | None
    number_type: str  # the neutral types: local | mobile | national
    lang: str  # the labels' language

    def e164(self, offset: int) -> str:
        return f"{self.prefix}{self.first + offset:0{self.digits}d}"


def _nanp(country: str, area: str, locality: str, lang: str = "en") -> Block:
    return Block(country, f"+1{area}555", 4, 100, 100, locality, "local", lang)


def _uk(prefix: str, locality: str | None, number_type: str = "local") -> Block:
    return Block("GB", prefix, 3, 0, 1000, locality, number_type, "en")


def _de(prefix: str, locality: str) -> Block:
    return Block("DE", prefix, 3, 0, 1000, locality, "local", "de")


def _au(area: str, locality: str) -> Block:
    return Block("AU", f"+61{area}5550", 4, 0, 10_000, locality, "local", "en")


BLOCKS: tuple[Block, ...] = (
    _nanp("US", "212", "New York"),
    _nanp("US", "415", "San Francisco"),
    _nanp("US", "512", "Austin"),
    _nanp("US", "617", "Boston"),
    _nanp("US", "305", "Miami", "es"),
    _nanp("US", "312", "Chicago"),
    _nanp("US", "206", "Seattle"),
    _nanp("CA", "514", "Montréal", "fr"),
    _nanp("CA", "418", "Québec", "fr"),
    _nanp("CA", "416", "Toronto"),
    _nanp("CA", "604", "Vancouver"),
    _uk("+442079460", "London"),  # 020 7946 0xxx
    _uk("+441614960", "Manchester"),  # 0161 496 0xxx
    _uk("+441314960", "Edinburgh"),  # 0131 496 0xxx
    _uk("+441134960", "Leeds"),  # 0113 496 0xxx
    _uk("+442920180", "Cardiff"),  # 029 2018 0xxx
    _uk("+447700900", None, "mobile"),  # 07700 900xxx
    _uk("+443069990", None, "national"),  # 0306 999 0xxx
    _de("+493023125", "Berlin"),  # 030 23125 xxx
    _de("+496990009", "Frankfurt am Main"),  # 069 90009 xxx
    _de("+494066969", "Hamburg"),  # 040 66969 xxx
    _de("+492214710", "Köln"),  # 0221 4710 xxx
    _de("+498999998", "München"),  # 089 99998 xxx
    _au("2", "Sydney"),  # 02 5550 xxxx
    _au("3", "Melbourne"),  # 03 5550 xxxx
    _au("7", "Brisbane"),  # 07 5550 xxxx
    _au("8", "Perth"),  # 08 5550 xxxx
)

# Every account takes every SLOTS-th number of a range, from its own offset: the accounts
# never draw the same number (the shared ones are shared on purpose, see common.py).
SLOTS = 8
# The company's accounts: where each is in the ring of shared numbers, and the countries
# it holds numbers in (Teli's API is US-shaped: area codes, US display format).
ACCOUNTS: dict[str, tuple[str, ...]] = {
    "burki": ("GB", "US", "AU"),
    "flireo": ("DE", "GB"),
    "synthflow": ("US", "GB", "DE"),
    "teli": ("US", "CA"),
    "butter": ("US", "CA", "AU"),
    "vapi": ("US", "CA", "GB"),
    "retell": ("US", "AU"),
}
OTHER_COUNTRIES = ("US", "GB", "AU")


def slot_of(provider: str | None) -> int:
    """The account's share of each range: its place among ACCOUNTS, else by its name."""
    names = list(ACCOUNTS)
    if provider in ACCOUNTS:
        return names.index(provider)
    return len(names) + zlib.crc32((provider or "").encode()) % (SLOTS - len(names))


def countries_of(provider: str | None) -> tuple[str, ...]:
    return ACCOUNTS.get(provider or "", OTHER_COUNTRIES)


def next_account(provider: str | None) -> str | None:
    """Whose first number this account also holds (its last): a ring over ACCOUNTS."""
    names = list(ACCOUNTS)
    if provider not in ACCOUNTS:
        return None
    return names[(names.index(provider) + 1) % len(names)]


def overflow(slot: int) -> Iterator[tuple[Block, str]]:
    """Past the reserved ranges (about 6,600 numbers an account, only load tests ask for
    more): NANP 555 numbers outside 0100-0199, area code after area code. Not reserved,
    but the 555 exchange is nearly unassigned."""
    for area in range(201, 1000):
        if area % 100 == 11:
            continue  # no N11 codes
        block = Block("US", f"+1{area}555", 4, 200, 9800, None, "local", "en")
        for offset in range(slot, block.size, SLOTS):
            yield block, block.e164(offset)
    raise ValueError("the demo world has no more numbers for an account")


_LABELS: dict[str, tuple[str, ...]] = {
    "en": (
        "{city} reception",
        "{city} sales",
        "{city} bookings",
        "Customer support",
        "After-hours line",
        "Billing enquiries",
        "Order status",
    ),
    "es": ("Atención al cliente {city}", "Citas {city}", "Ventas", "Soporte técnico"),
    "fr": ("Accueil {city}", "Service client", "Prise de rendez-vous", "Facturation"),
    "de": ("Empfang {city}", "Vertrieb {city}", "Kundendienst", "Terminbuchung", "Notdienst"),
}


def labels(lang: str, city: str | None) -> list[str]:
    """What people call a line of ``city`` in ``lang`` (each language has city-less ones)."""
    return [t.format(city=city) for t in _LABELS[lang] if city or "{city}" not in t]


FIRST_NAMES = (
    "Ava",
    "Noah",
    "Mia",
    "Lukas",
    "Léa",
    "Hugo",
    "Sofía",
    "Mateo",
    "Emma",
    "Oliver",
    "Hannah",
    "Jonas",
    "Chloé",
    "Amelia",
    "Isla",
    "Finn",
    "Zoë",
    "Luca",
    "Nora",
    "Elias",
)
ROLES = (
    "Front Desk",
    "Appointment Booking",
    "Billing Support",
    "Order Status",
    "After-Hours",
    "Sales Qualifier",
    "Renewals",
    "Customer Survey",
    "Kundendienst",
    "Terminvereinbarung",
    "Service client",
    "Prise de rendez-vous",
)
