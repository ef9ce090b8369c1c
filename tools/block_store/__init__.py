"""The paper's block store (pre-block-<id>.safetensors / post-block-<id>.safetensors) from a VLM, for tools/extract_blocks.py."""
