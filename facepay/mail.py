"""E-mails in both of the street's languages, from the one catalogue the pages use.

Whoever triggers an e-mail (an operator deciding, an owner inviting) may read another language
than its recipient, and a login keeps no language of its own; so every e-mail carries each of
settings.LANGUAGES, Chinese first: the subject as "中文 / English", the body as one block per
language, separated by a rule.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.utils import translation

RULE = "\n\n" + "—" * 24 + "\n\n"


def in_each_language(render: Callable[[], str]) -> list[str]:
    """`render()` once under each of settings.LANGUAGES, in their order."""
    texts = []
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            texts.append(str(render()))
    return texts


def bilingual_subject(render: Callable[[], str]) -> str:
    return " / ".join(dict.fromkeys(in_each_language(render)))


def bilingual_body(render: Callable[[], str]) -> str:
    return RULE.join(in_each_language(render))
