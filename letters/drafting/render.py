"""Render the letter, minutes and decisions as Markdown from a review record and templates."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import meta, nodes

from ..config import Settings
from ..errors import TemplateProblem
from ..records import LEGAL_STATUS_NAMES, PARTICIPATION, PLAN_NAMES, ReviewRecord, age_band
from ..resources import data_dir
from ..terms import (
    carers_of,
    child_terms,
    first_name,
    join_words,
    owner_in_child_words,
    person_in_child_words,
)
from ..timescales import Timescales
from ..wording import cap, label, long_date, md_escape, ordinal, short_date
from .sandbox import FolderLoader, StrictSandbox, check_output, plain, run_with_budget

LETTER_TEMPLATES = {
    "under-5": "letter_under_5.md.j2",
    "5-10": "letter_5_to_10.md.j2",
    "11-15": "letter_11_to_15.md.j2",
    "16+": "letter_16_plus.md.j2",
}
MINUTES_TEMPLATE = "minutes.md.j2"
DECISIONS_TEMPLATE = "decisions.md.j2"


def pronouns(stated: str | None) -> dict[str, str]:
    """Return subject, object and possessive pronouns from 'she/her' style, else they/them."""
    forms = {
        "she": {"subject": "she", "object": "her", "possessive": "her"},
        "he": {"subject": "he", "object": "him", "possessive": "his"},
    }
    first = (stated or "").split("/")[0].strip().lower()
    return forms.get(first, {"subject": "they", "object": "them", "possessive": "their"})


@cache
def make_environment(folder: Path | None = None) -> StrictSandbox:
    """Build the one sandboxed, strict template environment, with a council folder first."""
    folders = [data_dir("templates")] if folder is None else [folder, data_dir("templates")]
    env = StrictSandbox(
        loader=FolderLoader(folders),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        finalize=md_escape,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        long_date=long_date,
        short_date=short_date,
        cap=cap,
        ordinal=ordinal,
        label=label,
        join_words=join_words,
        first_name=first_name,
    )
    return env


@cache
def _undeclared(env: jinja2.Environment, name: str) -> tuple[tuple[str, frozenset[str]], ...]:
    """Return each template `name` uses (itself included) with its undeclared variables."""
    return tuple((template, frozenset(names)) for template, names in _template_names(env, name))


def _template_names(env: jinja2.Environment, name: str) -> Iterator[tuple[str, set[str]]]:
    seen: set[str] = set()
    todo = [name]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        assert env.loader is not None
        source, _, _ = env.loader.get_source(env, current)
        ast = env.parse(source)
        # Blocks are compiled apart from the template body, so names a template imports
        # or defines at the top look undeclared inside them.
        defined = {node.target for node in ast.find_all(nodes.Import)}
        defined |= {node.name for node in ast.find_all(nodes.Macro)}
        for node in ast.find_all(nodes.FromImport):
            defined |= {n if isinstance(n, str) else n[1] for n in node.names}
        yield current, meta.find_undeclared_variables(ast) - defined
        todo.extend(n for n in meta.find_referenced_templates(ast) if n is not None)


def check_template_variables(env: jinja2.Environment, name: str, context: dict[str, Any]) -> None:
    """Raise `TemplateProblem` if template `name` uses a variable the record does not provide."""
    known = set(context) | set(env.globals) | {"loop", "self", "caller", "varargs", "kwargs"}
    for template, names in _undeclared(env, name):
        unknown = sorted(names - known)
        if unknown:
            raise TemplateProblem(
                f"template {template} uses {', '.join(unknown)}, which the review record "
                f"does not provide (available: {', '.join(sorted(context))})"
            )


@dataclass(frozen=True)
class Rendered:
    """The Markdown text of one document and the template it came from."""

    kind: str
    template: str
    text: str


def build_context(record: ReviewRecord, settings: Settings, times: Timescales) -> dict[str, Any]:
    """Build everything the templates may print, already in the child's words where it matters."""
    child, review = record.child, record.review
    terms = child_terms(record)
    iro = review.iro
    others = [a for a in review.attendees if a.role.strip().lower() not in ("child", "iro")]
    came = [a for a in others if a.attendance in ("in_person", "virtual")]
    decisions = [
        {
            "number": index,
            "action": d.action,
            "for_child": d.for_child,
            "text": d.for_child or d.action,
            "owner": d.owner,
            "who": owner_in_child_words(d.owner, record, terms),
            "due": d.due,
        }
        for index, d in enumerate(record.decisions, start=1)
    ]
    views = []
    for who, text in record.views.items():
        named = [a for a in review.attendees if a.role == who]
        person = named[0].name if named else None
        if who == "child":
            person = child.name
        views.append({"role": who, "person": person, "label": label(who), "text": text})
    permanence = None
    if record.permanence is not None:
        p = record.permanence
        permanence = {
            "plan": p.plan,
            "plan_name": PLAN_NAMES[p.plan],
            "contingency": p.contingency,
            "contingency_name": PLAN_NAMES[p.contingency] if p.contingency else None,
            "explanation_for_child": p.explanation_for_child,
            "contingency_for_child": p.contingency_for_child,
        }
    # Plain data only: a template can call nothing on a library object it never sees.
    context: dict[str, Any] = plain(
        {
            "child": {
                "name": child.name,
                "known_as": child.known_as,
                "date_of_birth": child.date_of_birth,
                "age": record.age,
                "pronouns": child.pronouns,
                "legal_status": child.legal_status,
                "legal_status_name": LEGAL_STATUS_NAMES[child.legal_status],
                "came_into_care": child.came_into_care,
                "first_language": child.first_language,
                "interpreter": child.interpreter,
                "record_id": child.record_id,
                "placed_for_adoption": child.placed_for_adoption,
                "preferred_terms": dict(child.preferred_terms),
                "avoid_terms": list(child.avoid_terms),
            },
            "age_band": age_band(record.age),
            "pronoun": pronouns(child.pronouns),
            "terms": terms,
            "review": {
                "date": review.date,
                "number": review.number,
                "kind": review.kind,
                "venue": review.venue,
                "format": review.format,
                "chair": review.chair,
                "participation": review.participation,
                "participation_meaning": PARTICIPATION[review.participation],
                "previous_review": review.previous_review,
                "team_manager": review.team_manager,
            },
            "iro": {
                "name": iro.name,
                "first_name": first_name(iro.name),
                "phone": iro.phone,
                "email": iro.email,
                "team": iro.team,
            },
            "attendees": [
                {
                    "name": a.name,
                    "role": a.role,
                    "role_label": label(a.role),
                    "attendance": a.attendance,
                    "attendance_label": label(a.attendance),
                }
                for a in review.attendees
            ],
            "came": [person_in_child_words(a, record, terms) for a in came],
            "sent_views": [
                person_in_child_words(a, record, terms)
                for a in others
                if a.attendance == "views_sent"
            ],
            "carers": [a.name for a in carers_of(record)],
            "advocate": next(
                (
                    first_name(a.name)
                    for a in review.attendees
                    if a.role.strip().lower() == "advocate"
                ),
                None,
            ),
            "child_attended": record.attended,
            "child_view": record.views.get("child"),
            "views": views,
            "discussion": [
                {
                    "topic": d.topic,
                    "topic_label": label(d.topic),
                    "summary": d.summary,
                    "for_child": d.for_child,
                }
                for d in record.discussion
            ],
            "talked_about": [d.for_child for d in record.discussion if d.for_child],
            "permanence": permanence,
            "decisions": decisions,
            "next_review": times.next_review_planned,
            "times": times,
            "copy_to": list(record.copy_to),
            "authority": settings.authority,
            "advocacy": settings.advocacy,
            "complaints": settings.complaints,
        }
    )
    return context


def render_document(
    env: jinja2.Environment, kind: str, name: str, context: dict[str, Any]
) -> Rendered:
    """Render one template to Markdown, turning any template fault into a `TemplateProblem`."""
    try:
        check_template_variables(env, name, context)
        text = env.get_template(name).render(context)
    except TemplateProblem:
        raise
    except RecursionError:
        raise TemplateProblem(f"template {name} calls itself too deeply") from None
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateProblem(
            f"template {exc.filename or exc.name or name}, line {exc.lineno}: {exc.message}"
        ) from None
    except jinja2.UndefinedError as exc:
        raise TemplateProblem(f"template {name}: {exc.message}") from None
    except jinja2.TemplateError as exc:
        raise TemplateProblem(f"template {name}: {exc}") from None
    except (TypeError, ValueError, AttributeError, LookupError, ArithmeticError) as exc:
        # e.g. a filter given the wrong kind of value: `{{ child.name|long_date }}`
        raise TemplateProblem(f"template {name}: {exc}") from None
    text = re.sub(r"\n{3,}", "\n\n", check_output(name, text)).strip() + "\n"
    return Rendered(kind, name, text)


def _text(env: jinja2.Environment, kind: str, name: str, context: dict[str, Any]) -> str:
    return render_document(env, kind, name, context).text


def render_all(record: ReviewRecord, settings: Settings, times: Timescales) -> dict[str, Rendered]:
    """Render the letter to the child, the minutes and the decisions sheet."""
    env = make_environment(settings.templates.folder)
    context = build_context(record, settings, times)
    names = {
        "letter": LETTER_TEMPLATES[context["age_band"]],
        "minutes": MINUTES_TEMPLATE,
        "decisions": DECISIONS_TEMPLATE,
    }
    if settings.templates.folder is None:  # our own templates, trusted
        return {kind: render_document(env, kind, name, context) for kind, name in names.items()}
    # A council's templates: rendered in a child process with a time and memory budget.
    texts = run_with_budget(
        (name, functools.partial(_text, env, kind, name, context)) for kind, name in names.items()
    )
    return {
        kind: Rendered(kind, name, text)
        for (kind, name), text in zip(names.items(), texts, strict=True)
    }
