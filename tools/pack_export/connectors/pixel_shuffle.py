"""Pixel shuffle (Idefics3, SmolVLM): each scale x scale block of patches is stacked into one token."""
from .family import ConnectorFamily
from .square_blocks import block_post_tokens, block_size_errors

FAMILY = ConnectorFamily(id="pixel-shuffle", parameter="scale", post_tokens=block_post_tokens, size_errors=block_size_errors)
