"""Secrets kept out of the access log: tokens in query strings (signs), shelter-link tokens in paths.

uvicorn's access log writes the request line (method, path and query), never headers, so an
Authorization header does not reach it; what a URL carries is redacted here, on the logger, before any
handler formats the line.
"""

from __future__ import annotations

import logging
import re
from typing import Final

from hub.settings import mask_url

ACCESS_LOGGER: Final = "uvicorn.access"
#: A per-shelter operator link carries its signed token as the path segment after /staff/s/.
LINK_TOKEN = re.compile(r"(/staff/s/)[^/?#]+")
REDACTED: Final = "***"


def redact(target: str) -> str:
    """The request target with secret query values (token=, password=, …) and link tokens replaced by ***."""
    try:
        masked = mask_url(target)
    except ValueError:  # not parseable as a URL (e.g. '//[x'): keep no query at all
        path, question, _ = target.partition("?")
        masked = f"{path}?{REDACTED}" if question else path
    return LINK_TOKEN.sub(rf"\g<1>{REDACTED}", masked)


class RedactSecretsFilter(logging.Filter):
    """Rewrites the string arguments of every record of its logger with `redact` (the record is kept)."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact in place; never drops a record."""
        if isinstance(record.args, tuple):
            record.args = tuple(redact(arg) if isinstance(arg, str) else arg for arg in record.args)
        return True


def install(logger_name: str = ACCESS_LOGGER) -> None:
    """Put the filter on the access logger once (logging configuration keeps a logger's filters)."""
    logger = logging.getLogger(logger_name)
    if not any(isinstance(existing, RedactSecretsFilter) for existing in logger.filters):
        logger.addFilter(RedactSecretsFilter())
