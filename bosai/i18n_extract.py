"""The JavaScript extractor of babel.cfg: Babel's, minus template literals with ${…} (keys composed at run time)."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from typing import IO, Any

from babel.messages.extract import extract_javascript


def extract_literal_javascript(
    fileobj: IO[bytes], keywords: Mapping[str, Any], comment_tags: Collection[str], options: Any
) -> Iterator[tuple[Any, ...]]:
    """Babel's (lineno, funcname, messages, comments) whose msgids are literals (composed keys are listed with N_)."""
    for found in extract_javascript(fileobj, keywords, comment_tags, options):
        messages = found[2]
        parts = messages if isinstance(messages, tuple | list) else (messages,)
        if not any(isinstance(part, str) and "${" in part for part in parts):
            yield found
