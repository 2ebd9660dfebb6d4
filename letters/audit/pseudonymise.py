"""Pseudonymise letters for an external auditor: names, birth dates, contact details and
the child's record id out.

Names come from the review record when there is one (the child, everyone invited, the IRO,
the team manager, decision owners who are people, names among the child's own words and in
the copy list), from the people the register knows (the IRO), from titles ("Mrs Lowe"), from
the salutation ("Dear Amira,") and from the people spaCy's named-entity recogniser finds. One
`Pseudonymiser` serves a whole pack, so the same person gets the same pseudonym in every
letter of it. Letters arrive Markdown-escaped, so names and addresses are matched escaped too.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from ..records import ReviewRecord, age_on

PHONE_REMOVED = "[phone removed]"
EMAIL_REMOVED = "[email removed]"
POSTCODE_REMOVED = "[postcode removed]"
ADDRESS_REMOVED = "[address removed]"
BIRTH_DATE_REMOVED = "[date of birth removed]"
REFERENCE_REMOVED = "[reference removed]"

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

# Letters are Markdown-escaped before they are pseudonymised ("priya\\_shah@..."), so a
# backslash may stand before any character of an address; never after its last one.
_EMAIL_LOCAL = r"(?:[\w.+'-]|\\(?=[\w.+'-]))+"
_EMAIL_LABEL = r"(?:[\w-]|\\(?=[\w-]))+"
_EMAIL = re.compile(rf"{_EMAIL_LOCAL}@{_EMAIL_LABEL}(?:\.{_EMAIL_LABEL})+")
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
_BORN = r"(?:date[ \t]+of[ \t]+birth|d\.?o\.?b\.?|born)"
_BORN_SEP = r"[ \t]*(?:[:\-–][ \t]*|is[ \t]+)?"
_BIRTH = re.compile(rf"\b{_BORN}(?:[ \t]+on)?{_BORN_SEP}{_DATE_TEXT}\b", re.I)
# "born in March 2015", "DOB: 03/2015": a month and year of birth give an age as well.
_BIRTH_MONTH = re.compile(
    rf"\b{_BORN}(?:[ \t]+(?:in|on))?{_BORN_SEP}"
    rf"(?:(?P<month>{_MONTH})\.?,?[ \t]+(?P<year>\d{{4}})"
    r"|(?P<mm>\d{1,2})[/.-](?P<yyyy>\d{4}))\b",
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


def _role_key(text: str) -> str:
    return re.sub(r"[\s\-]+", "_", text.strip().lower())


@cache
def _role_keys() -> frozenset[str]:
    from ..terms import CARER_ROLES, ROLE_CONCEPT, ROLE_WORDS, STAFF_ROLES

    return frozenset(
        {*CARER_ROLES, *STAFF_ROLES, *ROLE_CONCEPT, *ROLE_WORDS, *_OWNER_ROLES.split()}
    )


# Who a decision is for, when that is a role and not a person ("Social worker", "Carers").
_OWNER_ROLES = """
    iro independent_reviewing_officer child young_person you parents mum_and_dad everyone
    social_workers team_manager local_authority virtual_school virtual_school_head
"""
_OWNER_ROLE_WORDS_TEXT = """
    carer carers foster kinship connected residential worker workers key mother father
    social advocate teacher designated school nurse visitor doctor personal adviser advisor
    interpreter guardian solicitor youth supervising support therapist manager officer lead
    head virtual local senior practitioner coordinator keyworker staff parents
"""
_OWNER_ROLE_WORDS = frozenset(_OWNER_ROLE_WORDS_TEXT.split())


def decision_owner_names(owner: str) -> list[str]:
    """Return the names in a decision's owner ('Auntie Noor' -> Noor); none for 'Carers'."""
    names = []
    for chunk in _SPLIT_NAMES.split(owner):
        if not chunk.strip() or _role_key(chunk) in _role_keys():
            continue
        words = [w for w in _found_words(chunk) if w.lower() not in _OWNER_ROLE_WORDS]
        if words:
            names.append(" ".join(words))
    return names


def record_people(record: ReviewRecord) -> list[tuple[str, str]]:
    """Return each name field of a review record with who they are: (name, category)."""
    review = record.review
    people = [
        (record.child.name, CHILD),
        (record.child.known_as, CHILD),
        (review.iro.name, PROFESSIONAL),
    ]
    if review.team_manager:
        people.append((review.team_manager, PROFESSIONAL))
    people += [(a.name, role_category(a.role)) for a in review.attendees]
    for decision in record.decisions:
        people += [
            (name, _owner_category(decision.owner)) for name in decision_owner_names(decision.owner)
        ]
    return people


def _owner_category(owner: str) -> str:
    kin = any(w.lower() in KIN_WORDS for w in _NAME_WORD.findall(owner))
    return RELATIVE if kin else PERSON


def record_names(record: ReviewRecord) -> list[str]:
    """Return every name field of a review record: child, IRO, manager, attendees, owners."""
    return [name for name, _ in record_people(record)]


def name_words(record: ReviewRecord) -> set[str]:
    """Return every word of a record's name fields: none may reach a pseudonymised pack."""
    return set(name_categories(record))


def name_categories(record: ReviewRecord) -> dict[str, str]:
    """Return every word of a record's name fields, with whose name it first is (its category)."""
    words: dict[str, str] = {}
    for name, category in record_people(record):
        for part in name_parts(name):
            words.setdefault(part, category)
    return words


_ESCAPED = re.compile(r"\\(.)")


def _escapable(char: str) -> bool:
    """Return whether Markdown may put a backslash before `char` (punctuation, '_')."""
    return not (char.isalnum() or char.isspace())


def _loose(text: str) -> str:
    """Return a pattern for `text` that also matches it Markdown-escaped ('O\\_Neil')."""
    return "".join(rf"\\?{re.escape(c)}" if _escapable(c) else re.escape(c) for c in text)


def unescape(text: str) -> str:
    """Return Markdown-escaped text as written: 'O\\_Neil' -> 'O_Neil'."""
    return _ESCAPED.sub(lambda m: m.group(1) if _escapable(m.group(1)) else m.group(0), text)


def word_pattern(words: Iterable[str], ignore_case: bool = False) -> re.Pattern[str]:
    """Return a pattern matching any of `words` as a whole word, escaped for Markdown or not."""
    alternatives = "|".join(_loose(w) for w in sorted(set(words), key=len, reverse=True) if w)
    return re.compile(rf"(?<!\w)(?:{alternatives or '(?!)'})(?!\w)", re.I if ignore_case else 0)


def leaks(text: str, words: Iterable[str]) -> list[str]:
    """Return the words among `words` that `text` still holds as whole, capitalised words."""
    return sorted(w for w in set(words) if word_pattern([w]).search(text))


def remove_references(text: str, references: Iterable[str]) -> str:
    """Replace the child's record ids (any case, escaped or not) with a fixed placeholder."""
    refs = [r.strip() for r in references if r and r.strip()]
    if not refs:
        return text
    return word_pattern(refs, ignore_case=True).sub(REFERENCE_REMOVED, text)


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

    def aged_from_month(match: re.Match[str]) -> str:
        year = int(match.group("year") or match.group("yyyy"))
        month_name = match.group("month")
        month = _MONTHS[month_name.lower()] if month_name else int(match.group("mm"))
        if not 1 <= month <= 12 or as_of is None:
            return BIRTH_DATE_REMOVED
        if date_of_birth is not None and (date_of_birth.year, date_of_birth.month) == (
            year,
            month,
        ):
            return aged(date_of_birth)
        if dt.date(year, month, 1) > as_of:
            return BIRTH_DATE_REMOVED
        # Without the day, the age they have surely reached: as if born on the month's last.
        last = dt.date(year, month, calendar.monthrange(year, month)[1])
        return aged(min(last, as_of))

    text = _BIRTH.sub(lambda m: aged(_birth_date(m)), text)
    text = _BIRTH_MONTH.sub(aged_from_month, text)
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
        rf"(?<![\w@])(?:{_TITLE}[ \t]+)?(?:{'|'.join(_loose(n) for n in names)})(?!\w)"
    )

    def swap(match: re.Match[str]) -> str:
        found = unescape(match.group(0))
        bare = _strip_titles(found) if found not in key else found
        return key.get(bare, key.get(found, match.group(0)))

    return pattern.sub(swap, text)


@cache
def _ner() -> Any:
    """Return the English model with its entity recogniser, loaded once."""
    import spacy

    from ..checking.nlp import model_package

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
        references: Sequence[str] = (),
    ) -> Pseudonymised:
        """Return `text` without names, birth dates, contact details or record ids, and the key.

        `people` are (name, role) pairs known besides the record, such as the IRO the register
        holds; `references` are the child's record ids besides the record's (the register's
        child reference); `as_of` is the date ages are given on (the review date if none).
        """
        self._letters += 1
        cast = _Cast(self, self._letters)
        refs = list(references)
        if record is not None:
            self._cast_record(cast, record)
            as_of = as_of or record.review.date
            if record.child.record_id:
                refs.append(record.child.record_id)
        for name, role in people:
            cast.add(name, role_category(role))
        text = remove_references(text, refs)
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
        for decision in record.decisions:
            for owner in decision_owner_names(decision.owner):
                cast.add(owner, _owner_category(decision.owner))
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
        # Substitution is case-exact, so a name that is also a word ("Grace", "the grace
        # period") is replaced where it is a name and left where it is the word.
        for ent in _ner()(text).ents:
            if ent.label_ != "PERSON":
                continue
            for segment in ent.text.splitlines():
                kin = any(w.lower() in KIN_WORDS for w in _NAME_WORD.findall(segment))
                cast.add_found(_found_words(segment), RELATIVE if kin else PERSON)


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
