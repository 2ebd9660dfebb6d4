"""Pseudonymise letters for an external auditor: names, birth dates and contact details out.

Names come from the review record when there is one (the child, everyone invited, the IRO,
the team manager, names among the child's own words and in the copy list), from the people
the register knows (the IRO), from titles ("Mrs Lowe"), from the salutation ("Dear Amira,")
and from the people spaCy's named-entity recogniser finds. One `Pseudonymiser` serves a whole
pack, so the same person gets the same pseudonym in every letter of it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from .records import ReviewRecord, age_on

PHONE_REMOVED = "[phone removed]"
EMAIL_REMOVED = "[email removed]"
POSTCODE_REMOVED = "[postcode removed]"
ADDRESS_REMOVED = "[address removed]"
BIRTH_DATE_REMOVED = "[date of birth removed]"

CHILD = "child"
PARENT = "parent"
RELATIVE = "relative"
CARER = "carer"
PROFESSIONAL = "professional"
PERSON = "person"
_LABELS = {
    PARENT: "Parent",
    RELATIVE: "Relative",
    CARER: "Carer",
    PROFESSIONAL: "Professional",
    PERSON: "Person",
}
# The child's own words for people: concept -> who the people named there are.
_CONCEPT_CATEGORY = {
    "carers": CARER,
    "mother": PARENT,
    "father": PARENT,
    "siblings": RELATIVE,
    "social_worker": PROFESSIONAL,
    "iro": PROFESSIONAL,
}

TITLES = ("Mr", "Mrs", "Ms", "Miss", "Mx", "Dr", "Prof", "Sir", "Dame", "Rev", "Revd")
_TITLE_WORDS = frozenset(t.lower() for t in TITLES)
# What children call their family: never a name, whatever the entity recogniser says.
_KIN_TEXT = """
    mum mummy mam mammy mom mommy mother ma mama mamma mamo dad daddy da papa pa father
    nan nana nanna nanny gran granny grandma grandmother grandpa grandad granddad grandfather
    gramps grandparent grandparents nain taid auntie aunty aunt uncle cousin brother sister
    bro sis baby babcia dziadek dziadzia tata tato oma opa nonna nonno abuela abuelo yaya
    papou bibi babu ammi amma ammu abba abbu baba nani dadi dada khala khalu chacha chachi
    mami mamu step stepmum stepdad
"""
KIN_WORDS = frozenset(_KIN_TEXT.split())
# Kin words nobody is named, so a name field's word that is one is not a name ("Auntie Noor").
_NEVER_NAMES_TEXT = """
    mum mummy mam mammy mom mommy mother dad daddy father gran granny grandma grandmother
    grandpa grandad granddad grandfather grandparent grandparents auntie aunty aunt uncle
    cousin brother sister step stepmum stepdad babcia dziadek
"""
_NEVER_NAMES = frozenset(_NEVER_NAMES_TEXT.split())
# Capitalised words that are not people, though the recogniser sometimes says they are.
_NOT_NAMES_TEXT = """
    independent reviewing review reviews officer iro service services council team school
    academy college university nursery centre center court office home trust advocacy
    advocate children child complaints social worker care health hospital nhs police
    department unit house family families foundation club church mosque temple charity panel
    agency authority borough county city street road dear best wishes from with love copy
    thank thanks hi hello yours sincerely faithfully regards kind warm meeting plan you your
    january february march april may june july august september october november december
    monday tuesday wednesday thursday friday saturday sunday christmas easter eid diwali
"""
_NOT_NAMES = frozenset(_NOT_NAMES_TEXT.split())

_NAME_WORD = re.compile(r"[^\W\d_](?:[\w'’-]*[^\W_])?")
_CAP_WORD = r"[A-Z][\w'’-]*[^\W_]|[A-Z]"
_TITLE = "(?:" + "|".join(TITLES) + r")\.?"
_TITLED = re.compile(rf"\b{_TITLE}[ \t]+((?:{_CAP_WORD})(?:[ \t]+(?:{_CAP_WORD}))?)")
_DEAR = re.compile(
    rf"^[ \t]*Dear[ \t]+((?:{_CAP_WORD})(?:[ \t]+(?:{_CAP_WORD}))?)[ \t]*[,!\n]", re.M
)
_ROLE_NOTE = re.compile(r"\(\s*[A-Z]{1,4}\s*\)")  # "Jo Mensah (SW)": not a name
_POSSESSIVE = re.compile(r"['’]s?$")
_SPLIT_NAMES = re.compile(r"\s*(?:,|&|\+|/|\band\b)\s*")

_EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(
    r"(?<![\w+])(?:\+44[ \t]?(?:\(0\)[ \t]?)?|\(?0)\d{2,4}\)?(?:[ \t-]?\d{3,4}){1,2}(?!\w)"
)
_POSTCODE_TEXT = r"(?:GIR ?0AA|[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2})"
_POSTCODE = re.compile(rf"\b{_POSTCODE_TEXT}\b", re.I)
_STREETS = (
    "Street|St|Road|Rd|Avenue|Ave|Lane|Ln|Close|Drive|Way|Crescent|Cres|Court|Ct|Place|Pl|"
    "Gardens|Gdns|Grove|Terrace|Tce|Hill|Park|Square|Sq|View|Walk|Row|Mews|Rise|Parade|"
    "Green|Vale|Mount|Boulevard|Wharf|Yard|Gate|Heights|Meadows|Fields|Croft|Estate"
)
_ADDRESS = re.compile(
    r"\b(?:(?:Flat|Apartment|Apt|Unit)[ \t]+\d+[A-Za-z]?,?[ \t]+)?\d{1,4}[A-Za-z]?,?[ \t]+"
    rf"(?:[A-Z][\w'’-]*[ \t]+){{1,3}}(?:{_STREETS})\b"
    rf"(?:(?:,?[ \t]+[A-Z][\w'’-]*)*,?[ \t]+{_POSTCODE_TEXT}\b)?"
)

_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
_MONTH = "(?:" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + ")"
_DATE_TEXT = (
    r"(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day,?[ \t]+)?(?:"
    rf"(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?(?:[ \t]+of)?[ \t]+(?P<m1>{_MONTH})\.?,?[ \t]+"
    r"(?P<y1>\d{4})"
    rf"|(?P<m2>{_MONTH})\.?[ \t]+(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?,?[ \t]+(?P<y2>\d{{4}})"
    r"|(?P<d3>\d{1,2})[/.-](?P<m3>\d{1,2})[/.-](?P<y3>\d{4})"
    r"|(?P<y4>\d{4})-(?P<m4>\d{1,2})-(?P<d4>\d{1,2}))"
)
_DATE = re.compile(rf"\b{_DATE_TEXT}\b", re.I)
_BIRTH = re.compile(
    rf"\b(?:date[ \t]+of[ \t]+birth|d\.?o\.?b\.?|born(?:[ \t]+on)?)[ \t]*(?:[:\-–][ \t]*|is[ \t]+)?"
    rf"{_DATE_TEXT}\b",
    re.I,
)


@dataclass(frozen=True)
class Pseudonymised:
    """A letter's text with names and contact details replaced, and the key to undo it."""

    text: str
    key: dict[str, str]  # real -> pseudonym; kept in the register, never in a pack


def _norm(name: str) -> str:
    return " ".join(name.split()).casefold()


def _is_capitalised(word: str) -> bool:
    return word[:1].isupper()


def name_parts(name: str) -> list[str]:
    """Return the words of a name that identify someone: no titles, no kin words, no initials."""
    parts: list[str] = []
    for word in _NAME_WORD.findall(_ROLE_NOTE.sub(" ", name)):
        pieces = [word, *word.split("-")] if "-" in word else [word]
        for piece in pieces:
            bare = _POSSESSIVE.sub("", piece.rstrip("."))
            if (
                len(bare) < 2
                or not _is_capitalised(bare)
                or bare.lower() in _TITLE_WORDS
                or bare.lower() in _NEVER_NAMES
                or bare in parts
            ):
                continue
            parts.append(bare)
    return parts


def _strip_titles(name: str) -> str:
    words = [w for w in name.split() if w.rstrip(".").lower() not in _TITLE_WORDS]
    return " ".join(words)


def role_category(role: str) -> str:
    """Return who someone is by their role: child, parent, relative, carer or professional."""
    r = role.lower().replace("-", "_").replace(" ", "_")
    if r in ("child", "young_person"):
        return CHILD
    if any(k in r for k in ("carer", "foster", "adopt", "guardian")):
        return CARER
    if any(
        k in r
        for k in ("grand", "sibling", "brother", "sister", "aunt", "uncle", "cousin", "relative")
    ) or any(k in r for k in ("family", "friend", "partner")):
        return RELATIVE
    if any(k in r for k in ("mother", "father", "parent", "mum", "dad")):
        return PARENT
    return PROFESSIONAL


def record_names(record: ReviewRecord) -> list[str]:
    """Return every name field of a review record: child, known-as, IRO, manager, attendees."""
    names = [record.child.name, record.child.known_as, record.review.iro.name]
    if record.review.team_manager:
        names.append(record.review.team_manager)
    names += [a.name for a in record.review.attendees]
    return names


def name_words(record: ReviewRecord) -> set[str]:
    """Return every word of a record's name fields: none may reach a pseudonymised pack."""
    return {part for name in record_names(record) for part in name_parts(name)}


def leaks(text: str, words: Iterable[str]) -> list[str]:
    """Return the words among `words` that `text` still holds as whole, capitalised words."""
    return sorted(w for w in set(words) if re.search(rf"(?<!\w){re.escape(w)}(?!\w)", text))


def _birth_date(match: re.Match[str]) -> dt.date | None:
    g = match.groupdict()
    try:
        if g["d1"]:
            return dt.date(int(g["y1"]), _MONTHS[g["m1"].lower()], int(g["d1"]))
        if g["d2"]:
            return dt.date(int(g["y2"]), _MONTHS[g["m2"].lower()], int(g["d2"]))
        if g["d3"]:
            return dt.date(int(g["y3"]), int(g["m3"]), int(g["d3"]))
        return dt.date(int(g["y4"]), int(g["m4"]), int(g["d4"]))
    except ValueError:
        return None


def _phone(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    if match.group(0).startswith("+"):
        digits = "0" + digits[2:]
        if digits.startswith("00"):  # +44 (0) 1632 ...
            digits = digits[1:]
    return PHONE_REMOVED if 10 <= len(digits) <= 11 else match.group(0)


def remove_contact_details(text: str) -> str:
    """Remove emails, address lines, UK postcodes and UK phone numbers from `text`."""
    text = _EMAIL.sub(EMAIL_REMOVED, text)
    text = _ADDRESS.sub(ADDRESS_REMOVED, text)
    text = _POSTCODE.sub(POSTCODE_REMOVED, text)
    return _PHONE.sub(_phone, text)


def replace_birth_dates(
    text: str, date_of_birth: dt.date | None = None, as_of: dt.date | None = None
) -> str:
    """Turn dates of birth into 'aged N' on `as_of`: the record's anywhere, others after 'born'."""

    def aged(born: dt.date | None) -> str:
        if born is None or as_of is None or born > as_of:
            return BIRTH_DATE_REMOVED
        return f"aged {age_on(born, as_of)}"

    text = _BIRTH.sub(lambda m: aged(_birth_date(m)), text)
    if date_of_birth is None:
        return text

    def known(match: re.Match[str]) -> str:
        return aged(date_of_birth) if _birth_date(match) == date_of_birth else match.group(0)

    return _DATE.sub(known, text)


def substitute(text: str, key: dict[str, str]) -> str:
    """Replace every real name in `key` found in `text` (whole words, longest first)."""
    if not key:
        return text
    names = sorted(key, key=len, reverse=True)
    pattern = re.compile(
        rf"(?<![\w@])(?:{_TITLE}[ \t]+)?(?:{'|'.join(re.escape(n) for n in names)})(?!\w)"
    )

    def swap(match: re.Match[str]) -> str:
        found = match.group(0)
        bare = _strip_titles(found) if found not in key else found
        return key.get(bare, key.get(found, found))

    return pattern.sub(swap, text)


@cache
def _ner() -> Any:
    """Return the English model with its entity recogniser, loaded once."""
    import spacy

    from .nlp import model_package

    return spacy.load(model_package(), exclude=["parser"])


def _column_label(index: int) -> str:
    """Return A, B ... Z, AA, AB ... for the 1st, 2nd ... child."""
    label = ""
    while index >= 0:
        index, rest = divmod(index, 26)
        label = chr(ord("A") + rest) + label
        index -= 1
    return label


@dataclass
class _Cast:
    """The people of one letter: each name and part of a name, and its pseudonym."""

    owner: Pseudonymiser
    scope: int
    names: dict[str, str] = field(default_factory=dict)
    child_label: str | None = None
    child_short: str | None = None

    def knows(self, name: str) -> bool:
        """Return whether `name`, or every word of it, already has a pseudonym."""
        bare = _strip_titles(name)
        parts = name_parts(bare)
        return bool(parts) and (bare in self.names or all(p in self.names for p in parts))

    def _claim(self, variant: str, pseudonym: str) -> None:
        if variant and variant not in self.names:
            self.names[variant] = pseudonym

    def add_child(self, name: str, known_as: Iterable[str], identity: str) -> None:
        """Add the child: 'A' for the names they go by, 'Child A' for their full name."""
        label, short = self.owner.child_label(identity)
        self.child_label, self.child_short = label, short
        parts = name_parts(name)
        for word in [*(w for k in known_as for w in name_parts(k)), *parts[:1]]:
            self._claim(word, short)
        self._claim(_strip_titles(name), label)
        for word in parts[1:]:
            self._claim(word, label)

    def add_found(self, words: list[str], category: str) -> None:
        """Add a person found outside the name fields, by those of their words not yet known."""
        unknown = [w for w in words if w not in self.names]
        if unknown:
            self.add(" ".join(unknown), category)

    def add(self, name: str, category: str) -> None:
        """Add a person by name, unless they are known: their full name and each part of it."""
        bare = _strip_titles(name)
        parts = name_parts(bare)
        if not parts or bare in self.names or (len(parts) == 1 and parts[0] in self.names):
            return
        if category == CHILD:
            if self.child_short is not None:
                for word in parts:
                    self._claim(word, self.child_short)
                return
            self.add_child(bare, [], _norm(bare))
            return
        identity = (_norm(bare),) if len(parts) > 1 else (str(self.scope), _norm(bare))
        label = self.owner.label(identity, category)
        self._claim(bare, label)
        for part in parts:
            self._claim(part, label)


class Pseudonymiser:
    """Replace people's names consistently across a pack: Child A, Carer 1, Professional 2..."""

    def __init__(self, use_ner: bool = True) -> None:
        self.use_ner = use_ner
        self._labels: dict[tuple[str, ...], str] = {}
        self._children: dict[str, tuple[str, str]] = {}
        self._counts: dict[str, int] = {}
        self._letters = 0

    def label(self, identity: tuple[str, ...], category: str) -> str:
        """Return the pseudonym of the person `identity`, numbering a new one in `category`."""
        if identity not in self._labels:
            self._counts[category] = self._counts.get(category, 0) + 1
            self._labels[identity] = f"{_LABELS[category]} {self._counts[category]}"
        return self._labels[identity]

    def child_label(self, identity: str) -> tuple[str, str]:
        """Return ('Child A', 'A') for the pack's first child, ('Child B', 'B') for the next."""
        if identity not in self._children:
            letter = _column_label(len(self._children))
            self._children[identity] = (f"Child {letter}", letter)
        return self._children[identity]

    def pseudonymise(
        self,
        text: str,
        record: ReviewRecord | None = None,
        as_of: dt.date | None = None,
        people: Sequence[tuple[str, str]] = (),
    ) -> Pseudonymised:
        """Return `text` without names, birth dates or contact details, and the key of names.

        `people` are (name, role) pairs known besides the record, such as the IRO the register
        holds; `as_of` is the date ages are given on (the review date of the record if none).
        """
        self._letters += 1
        cast = _Cast(self, self._letters)
        if record is not None:
            self._cast_record(cast, record)
            as_of = as_of or record.review.date
        for name, role in people:
            cast.add(name, role_category(role))
        text = remove_contact_details(text)
        text = replace_birth_dates(text, record.child.date_of_birth if record else None, as_of)
        self._cast_found(cast, text)
        key = dict(cast.names)
        lookup = dict(key)
        for real, pseudonym in key.items():
            lookup.setdefault(real.upper(), pseudonym)
        return Pseudonymised(substitute(text, lookup), key)

    def _cast_record(self, cast: _Cast, record: ReviewRecord) -> None:
        child = record.child
        cast.add_child(child.name, [child.known_as], child.record_id or _norm(child.name))
        review = record.review
        cast.add(review.iro.name, PROFESSIONAL)
        if review.team_manager:
            cast.add(review.team_manager, PROFESSIONAL)
        for attendee in review.attendees:
            cast.add(attendee.name, role_category(attendee.role))
        for concept, words in child.preferred_terms.items():
            category = _CONCEPT_CATEGORY.get(concept)
            if category is None:
                continue
            for chunk in _SPLIT_NAMES.split(words):
                cast.add_found(_found_words(chunk), category)
        for entry in record.copy_to:
            cast.add_found(_found_words(entry), PERSON)  # "Sarah Khan (Mum)"

    def _cast_found(self, cast: _Cast, text: str) -> None:
        """Add the people found in the text: the salutation, titles, and spaCy's PERSONs."""
        # Letters are written to the child: "Dear Mira," names them, unless a title says not.
        for match in _DEAR.finditer(text):
            titled = match.group(1).split()[0].rstrip(".").lower() in _TITLE_WORDS
            cast.add_found(_found_words(match.group(1)), PERSON if titled else CHILD)
        for match in _TITLED.finditer(text):
            cast.add_found(_found_words(match.group(1)), PERSON)
        if not self.use_ner:
            return
        doc = _ner()(text)
        common = {t.text for t in doc if t.text.islower()}
        for ent in doc.ents:
            if ent.label_ != "PERSON":
                continue
            for segment in ent.text.splitlines():
                kin = any(w.lower() in KIN_WORDS for w in _NAME_WORD.findall(segment))
                words = [w for w in _found_words(segment) if w.lower() not in common]
                cast.add_found(words, RELATIVE if kin else PERSON)


def _found_words(text: str) -> list[str]:
    """Return the words of `text` that may be a name: not kin, titles, acronyms or common words."""
    return [
        w
        for w in name_parts(text)
        if w.lower() not in KIN_WORDS
        and not (w.isupper() and len(w) <= 4)
        and w.lower() not in _NOT_NAMES
        and w.lower() not in _stop_words()
    ]


@cache
def _stop_words() -> frozenset[str]:
    from spacy.lang.en.stop_words import STOP_WORDS

    return frozenset(STOP_WORDS)
