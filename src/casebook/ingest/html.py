"""HTML pages: the article text (trafilatura, boilerplate dropped) and meta-tag metadata.

`original` is the whole file. The text is plain text, never markup: scripts,
styles and event handlers are dropped, entities decoded. `html_to_text` turns
any HTML fragment (a feed item's content) into plain text the same way.
"""

from __future__ import annotations

import re
from datetime import date

from lxml import etree
from lxml.html import HtmlElement
from trafilatura import bare_extraction
from trafilatura.settings import Document
from trafilatura.utils import load_html

from casebook.errors import InputError
from casebook.ingest.decode import clean_text, clean_url, declared_charset, decode
from casebook.model import SourceDocument

# Elements whose content is never article text: code, embedded objects, forms, navigation.
_DROPPED = frozenset(
    {"script", "style", "template", "noscript", "iframe", "frame", "frameset", "object"}
    | {"embed", "applet", "svg", "math", "canvas", "head", "title", "nav", "button", "select"}
    | {"option", "textarea", "input"}
)
_BLOCKS = frozenset(
    {"address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt", "figcaption"}
    | {"figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main"}
    | {"ol", "p", "pre", "section", "table", "tbody", "td", "th", "thead", "tr", "ul"}
)
_BREAKS = frozenset({"br", "hr"})
_SPACES = re.compile(r"[ \t\r\f\v\u00a0]+")
_CONTENT_LANGUAGE = (
    '//meta[translate(@http-equiv, "CONTENTLAGU", "contentlagu")="content-language"]/@content'
)
_DATE_PARAMS = {"original_date": True, "extensive_search": False}


def read_html(data: bytes, origin: str, charset: str | None = None) -> SourceDocument:
    """An HTML page → its main text and metadata; InputError if it has no readable text."""
    decoded = decode(data, origin, declared=(charset, declared_charset(data)))
    tree = load_html(decoded.text)
    found = _extract(tree, origin) if tree is not None else None
    text = clean_text(found.text or "") if found is not None else ""
    if not text.strip():
        text = html_to_text(decoded.text)
    if not text.strip():
        raise InputError(origin, "no readable text in this HTML page; is it a script-only page?")
    extra = {"encoding": decoded.encoding}
    if found is not None and found.author:
        extra["author"] = plain(found.author) or ""
    return SourceDocument(
        text=text,
        original=data,
        kind="html",
        title=plain(found.title) if found else None,
        url=clean_url(found.url) if found else None,
        publisher=plain(found.sitename) if found else None,
        published_at=_date(found.date) if found else None,
        language=_language(tree) if tree is not None else None,
        origin=origin,
        extra={key: value for key, value in extra.items() if value},
    )


def html_to_text(markup: str) -> str:
    """Any HTML (page or fragment) → plain text, one line per block; scripts and styles dropped."""
    parser = etree.HTMLParser(remove_comments=True, remove_pis=True, no_network=True)
    root = etree.fromstring(f"<html><body>{markup}</body></html>", parser)
    if root is None:
        return ""
    parts: list[str] = []
    walker = etree.iterwalk(root, events=("start", "end"))
    for event, element in walker:
        tag = element.tag.lower() if isinstance(element.tag, str) else ""
        if event == "start":
            if tag in _DROPPED:
                walker.skip_subtree()
                continue
            parts.append("\n" if tag in _BLOCKS else "")
            parts.append(element.text or "")
        else:
            parts.append("\n" if tag in _BLOCKS and tag not in _BREAKS else "")
            parts.append(element.tail or "")
    return _tidy("".join(parts))


def plain(value: str | None) -> str | None:
    """A metadata string as plain text: markup inside it removed, whitespace collapsed."""
    if not value:
        return None
    text = html_to_text(value) if "<" in value else clean_text(value)
    text = " ".join(text.split())
    return text or None


def _extract(tree: HtmlElement, origin: str) -> Document | None:
    url = origin if origin.startswith(("http://", "https://")) else None
    found = bare_extraction(
        tree,
        url=url,
        include_comments=False,
        with_metadata=True,
        date_extraction_params=_DATE_PARAMS,
    )
    return found if isinstance(found, Document) else None


def _tidy(text: str) -> str:
    """One line per block, as trafilatura writes them: spaces collapsed, blank lines dropped."""
    lines = (_SPACES.sub(" ", line).strip() for line in clean_text(text).split("\n"))
    return "\n".join(line for line in lines if line)


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value[:10]) if value else None
    except ValueError:
        return None


def _language(tree: HtmlElement) -> str | None:
    """<html lang>, else a Content-Language meta tag."""
    lang = tree.get("lang") or tree.get("{http://www.w3.org/XML/1998/namespace}lang")
    if not lang:
        metas = tree.xpath(_CONTENT_LANGUAGE)
        lang = metas[0] if metas else None
    return plain(str(lang)) if lang else None
