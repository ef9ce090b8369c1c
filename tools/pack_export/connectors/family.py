"""What one connector family is to the exporter: its name and size field in manifest.json, how
many post tokens it makes, and what its size must satisfy on the grid.

The Python twin of the app's family modules (src/core/connectors/family.ts), kept to what a pack
export needs, so manifest.py writes and checks a pack the way the app reads it. One module per
family in this package; __init__.py lists them (docs/adding-a-connector-family.md).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional


@dataclass(frozen=True)
class ConnectorFamily:
    # manifest.json's connector.family, e.g. "merger".
    id: str
    # The size field as manifest.json names it ("mergeSize", "scale", "queries"), a positive
    # integer; None for a family without one (mlp).
    parameter: Optional[str]
    # T' from T pre tokens and the size (None for a family without one).
    post_tokens: Callable[[int, Optional[int]], int]
    # Problems of a positive size on a square grid of this side, worded as manifest.py reports them.
    size_errors: Callable[[int, int], list[str]]


def no_size_errors(size: int, side: int) -> list[str]:
    """For families whose size fits any grid (the perceiver's queries) or that have none."""
    return []
