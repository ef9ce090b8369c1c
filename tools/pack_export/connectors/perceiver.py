"""The perceiver resampler (Idefics2): one post token per learned query, whatever the grid."""
from typing import Optional

from .family import ConnectorFamily, no_size_errors


def _queries(pre: int, queries: Optional[int]) -> int:
    assert queries is not None
    return queries


FAMILY = ConnectorFamily(id="perceiver", parameter="queries", post_tokens=_queries, size_errors=no_size_errors)
