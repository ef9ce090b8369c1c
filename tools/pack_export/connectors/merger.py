"""The patch merger (Qwen2-VL, Qwen2.5-VL): each mergeSize x mergeSize block of patches becomes one token."""
from .family import ConnectorFamily
from .square_blocks import block_post_tokens, block_size_errors

FAMILY = ConnectorFamily(id="merger", parameter="mergeSize", post_tokens=block_post_tokens, size_errors=block_size_errors)
