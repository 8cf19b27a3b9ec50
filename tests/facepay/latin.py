"""Find English left on Chinese screens: runs of Latin letters in the visible text of a page.

Visible text is what a reader sees: tag contents, without <script>, <style> and <template>
bodies and without attribute values. A run of letters is allowed when it is a brand, an
abbreviation every Chinese reader uses (API, CNY, PDF), or data the page shows (a user name, an
e-mail address, a code with digits in it): `DATA_MARKERS` and the `data` argument.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from html.parser import HTMLParser

# Words of Latin letters that may stand on a Chinese page (case-sensitive).
ALLOWED_WORDS = frozenset(
    {
        "FacePay",
        "Street",  # "FacePay Street", the brand
        "API",
        "CNY",
        "RMB",
        "PDF",
        "JPEG",
        "PNG",
        "CSV",
        "JSON",
        "SVG",
        "ID",
        "IP",
        "SMS",
        "OK",
        "GB",  # the standard "GB 32100" (unified social credit codes)
        "MB",
        "KB",
        "AUC",  # model-quality figures on the credit pages
        "KS",
        "PSI",
        "FAR",
        "FRR",
        "APCER",  # ISO/IEC 30107-3's presentation-attack rates, on the accuracy page
        "FNIR",  # ISO/IEC 19795's identification error rates, on the accuracy page
        "FPIR",
        "LFW",  # the public face set the verification figures are measured on
        "BPCER",
        "ISO",
        "IEC",
        "ROC",
        "UTC",
        "Asia",
        "Shanghai",  # the time-zone name
        "WebSocket",
        "Django",  # the administration site's own name
        "Celery",  # the task queue's name, on the operations page
        "English",  # the language switch names each language in itself
        "XLSX",
        "MIT",  # a licence's name
        "WebP",
        "Visa",  # card brands
        "Mastercard",
        "American",
        "Express",
        "JCB",
        "optbinning",  # the library a learned scorecard is fitted with
    }
)
HIDDEN_TAGS = frozenset({"script", "style", "template", "noscript", "head"})
# Code is not prose: <code>, <kbd>, <samp> and any element marked translate="no" (HTML's own
# attribute for text that must stay as it is, e.g. an SQL query shown as a feature's lineage).
CODE_TAGS = frozenset({"code", "kbd", "samp"})
WORD = re.compile(r"[A-Za-z0-9_]+(?:[-.][A-Za-z0-9_]+)*")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# A ledger reference such as "capture:seed-7-1368" or "top_up:3:key-1" is an identifier.
REFERENCE = re.compile(r"\b[a-z_]+:[\w:-]*\d[\w:-]*")
URL = re.compile(r"\b(?:https?|wss?)://\S+|(?<![\w/])/[\w./?=&%#-]*[\w/]")


class _VisibleText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden_depth = 0
        self.opaque: list[str] = []  # open elements whose text is code or data, not words

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in HIDDEN_TAGS:
            self.hidden_depth += 1
        elif (self.opaque and tag == self.opaque[-1]) or self._is_opaque(tag, attrs):
            self.opaque.append(tag)

    @staticmethod
    def _is_opaque(tag: str, attrs: list[tuple[str, str | None]]) -> bool:
        return tag in CODE_TAGS or ("translate", "no") in attrs

    def handle_endtag(self, tag: str) -> None:
        if tag in HIDDEN_TAGS and self.hidden_depth:
            self.hidden_depth -= 1
        elif self.opaque and tag == self.opaque[-1]:
            self.opaque.pop()

    def handle_data(self, data: str) -> None:
        if not self.hidden_depth and not self.opaque:
            self.parts.append(data)


def visible_text(html: str) -> str:
    """The page's text as a reader sees it (one space between blocks)."""
    parser = _VisibleText()
    parser.feed(html)
    parser.close()
    return re.sub(r"\s+", " ", " ".join(parser.parts)).strip()


def english_runs(text: str, *, data: Iterable[str] = ()) -> list[str]:
    """Each offending run of Latin words in `text` with a little context, in reading order.

    Data values (user names, e-mail addresses, URLs, codes mixing letters and digits) and the
    allowed words are not English text and are skipped.
    """
    for value in sorted({value for value in data if value}, key=len, reverse=True):
        text = text.replace(value, " ")
    text = URL.sub(" ", REFERENCE.sub(" ", EMAIL.sub(" ", text)))
    found: list[str] = []
    run: list[re.Match[str]] = []

    def close_run() -> None:
        if run:
            start, end = run[0].start(), run[-1].end()
            context = text[max(0, start - 12) : min(len(text), end + 12)].strip()
            found.append(f"{text[start:end]!r} in «{context}»")
            run.clear()

    previous_end = 0
    for match in WORD.finditer(text):
        word = match.group()
        is_english = (
            re.search(r"[A-Za-z]", word) is not None
            and re.search(r"[0-9]", word) is None
            and word not in ALLOWED_WORDS
            and not re.fullmatch(r"[A-Z]", word)  # a grade (A–E), a band, a column letter
        )
        between = text[previous_end : match.start()]
        if run and (not is_english or not re.fullmatch(r"[\s,.'’:;!?()/-]*", between)):
            close_run()
        if is_english:
            run.append(match)
        previous_end = match.end()
    close_run()
    return found
