"""Families with one post token per r x r block of patches (mlp with r = 1, merger, pixel shuffle):
the token count and the rule that r divides the grid, in one copy (src/core/connectors/squareBlocks.ts)."""
from __future__ import annotations

from typing import Optional


def block_post_tokens(pre: int, side: Optional[int]) -> int:
    assert side is not None
    return pre // side**2


def block_size_errors(side: int, grid_side: int) -> list[str]:
    return [] if grid_side % side == 0 else [f"connector: block side {side} must divide the grid side {grid_side}"]
