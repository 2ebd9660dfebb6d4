"""The words a letter uses for people and things, starting from the child's own."""

from __future__ import annotations

import re

from .records import Attendee, ReviewRecord

# Kind, plain defaults (TACT, Language That Cares, 2019) for when the child has not said.
DEFAULT_TERMS: dict[str, str] = {
    "family_time": "family time",
    "home": "your home",
    "carers": "your carers",
    "mother": "your mum",
    "father": "your dad",
    "siblings": "your brothers and sisters",
    "social_worker": "your social worker",
    "review": "your meeting",
    "iro": "the person who runs your meetings",
}

CARER_ROLES = frozenset(
    {"carer", "carers", "foster_carer", "foster_carers", "kinship_carer", "connected_carer"}
)
# Who looks after a child in a children's home, when there are no carers.
STAFF_ROLES = frozenset({"residential_worker", "key_worker"})
ROLE_CONCEPT = {
    "mother": "mother",
    "mum": "mother",
    "father": "father",
    "dad": "father",
    "social_worker": "social_worker",
    "iro": "iro",
}
# How the letter names someone's role, in words a child knows.
ROLE_WORDS: dict[str, str] = {
    "advocate": "your advocate",
    "teacher": "your teacher",
    "designated_teacher": "your teacher",
    "school": "from your school",
    "nurse": "your nurse",
    "school_nurse": "the school nurse",
    "health_visitor": "your health visitor",
    "doctor": "your doctor",
    "personal_adviser": "your adviser",
    "grandmother": "your grandma",
    "grandfather": "your grandad",
    "aunt": "your aunt",
    "uncle": "your uncle",
    "brother": "your brother",
    "sister": "your sister",
    "sibling": "your brother or sister",
    "interpreter": "who helped us talk in your language",
    "key_worker": "your key worker",
    "residential_worker": "who looks after you at your home",
    "guardian": "who helps the judge listen to you",
    "solicitor": "your solicitor",
    "youth_worker": "your youth worker",
    "supervising_social_worker": "who helps your carers",
    "family_support_worker": "who helps your family",
    "therapist": "who helps you talk about feelings",
}

_FIRST_PERSON = [
    (re.compile(r"\bmy\b"), "your"),
    (re.compile(r"\bMy\b"), "Your"),
    (re.compile(r"\bmine\b"), "yours"),
    (re.compile(r"\bme\b"), "you"),
    (re.compile(r"\bmyself\b"), "yourself"),
]


def second_person(words: str) -> str:
    """Turn the child's own words ('my meeting') into words written to them ('your meeting')."""
    for pattern, replacement in _FIRST_PERSON:
        words = pattern.sub(replacement, words)
    return words


def first_name(name: str) -> str:
    """Return the first word of a name ('Sue Miller' -> 'Sue'), keeping titles with surnames."""
    parts = name.split()
    if len(parts) > 1 and parts[0].rstrip(".").lower() in {"mr", "mrs", "ms", "miss", "mx", "dr"}:
        return name
    return parts[0] if parts else name


def join_words(items: list[str]) -> str:
    """Join names as a person would say them: 'A', 'A and B', 'A, B and C'."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _role_key(role: str) -> str:
    return re.sub(r"[\s\-]+", "_", role.strip().lower())


def carers_of(record: ReviewRecord) -> list[Attendee]:
    """Return the child's carers among the people invited to the review."""
    return [a for a in record.review.attendees if _role_key(a.role) in CARER_ROLES]


def child_terms(record: ReviewRecord) -> dict[str, str]:
    """Return the word for each concept: the child's own (turned to 'your'), else a kind default."""
    terms = dict(DEFAULT_TERMS)
    carers = carers_of(record) or [
        a for a in record.review.attendees if _role_key(a.role) in STAFF_ROLES
    ]
    if carers:
        terms["carers"] = join_words([first_name(c.name) for c in carers])
    workers = [a for a in record.review.attendees if _role_key(a.role) == "social_worker"]
    if workers:
        terms["social_worker"] = first_name(workers[0].name)
    for concept, words in record.child.preferred_terms.items():
        terms[concept] = second_person(words)
    return terms


def person_in_child_words(attendee: Attendee, record: ReviewRecord, terms: dict[str, str]) -> str:
    """Name someone at the review the way the letter to the child should."""
    key = _role_key(attendee.role)
    concept = ROLE_CONCEPT.get(key)
    name = first_name(attendee.name)
    own = record.child.preferred_terms
    if concept in ("mother", "father"):
        return terms[concept] if concept in own else f"{name} ({terms[concept]})"
    if concept == "social_worker":
        return terms[concept] if concept in own else f"{name}, your social worker"
    if key in CARER_ROLES:
        # The child's own word for a single carer ("Gran"); for several, their first names.
        return terms["carers"] if "carers" in own and len(carers_of(record)) == 1 else name
    if key in ROLE_WORDS:
        return f"{name}, {ROLE_WORDS[key]}"
    return f"{name} ({attendee.role.replace('_', ' ')})"


def owner_in_child_words(owner: str, record: ReviewRecord, terms: dict[str, str]) -> str:
    """Say who will do something in words the child knows ('Carers' -> 'Sue and Dave')."""
    key = _role_key(owner)
    if key in ("iro", "independent_reviewing_officer") or owner.strip() == record.review.iro.name:
        return "I"
    if owner.strip() in (record.child.known_as, record.child.name):
        return "you"
    if key in CARER_ROLES:
        return terms["carers"]
    concept = ROLE_CONCEPT.get(key)
    if concept:
        return terms[concept]
    if key in ("child", "young_person", "you"):
        return "you"
    if key in ("parents", "mum_and_dad"):
        return f"{terms['mother']} and {terms['father']}"
    if key in ROLE_WORDS and ROLE_WORDS[key].startswith("your "):
        return ROLE_WORDS[key]
    return owner
