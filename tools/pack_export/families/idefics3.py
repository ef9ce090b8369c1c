"""Idefics3 and SmolVLM: a SigLIP-style vision tower (last layer, post_layernorm), the same NaViT
tower interface as Idefics2's (families/idefics2.py) -> model.connector (pixel shuffle by
scale_factor, then a linear modality projection).

The pack fixes one square image size (default: the tower's own tile size, vision_config.image_size,
e.g. 512 px for SmolVLM, 364 px for Idefics3-8B). The model itself splits a large image into tiles
of that size plus a downscaled global view; the pack sees one centre-cropped square, as one tile.
"""
from __future__ import annotations

from typing import Any, Callable, Optional

import torch

from ..manifest import Geometry, Preprocess, Provenance
from ..pack import PackModel, example_pixels
from .common import Connector, capture_calls, check_pack, first_tensor, load_image_processor, load_model, pack_id_of, preprocess_from_processor
from .idefics2 import IDEFICS2_PREPROCESS, Idefics2Encoder

# Idefics3's processor: LANCZOS in Pillow, which the app does not implement; bicubic is the closest it has.
IDEFICS3_PREPROCESS = Preprocess("shortest-edge", "center", "bicubic", IDEFICS2_PREPROCESS.rescale, IDEFICS2_PREPROCESS.mean, IDEFICS2_PREPROCESS.std)


def own_connector_io(model: Any, pixels: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """model.connector's input and output when the model itself encodes `pixels` (full tiles, no padding)."""
    inner = model.model if hasattr(model, "model") else model
    n, _, height, width = pixels.shape
    with torch.no_grad(), capture_calls(inner.connector) as calls:
        inner.get_image_features(pixel_values=pixels[None], pixel_attention_mask=torch.ones(1, n, height, width, dtype=torch.bool))
    call = calls[-1]
    return call.input("image_hidden_states"), first_tensor(call.output)


def idefics3_pack(model: Any, size: int, preprocess: Preprocess, pack_id: str, name: str, provenance: Provenance, warn: Callable[[str], None]) -> PackModel:
    inner = model.model
    inner.vision_model.float()
    inner.connector.float()
    config = model.config
    patch = config.vision_config.patch_size
    scale = config.scale_factor
    if size % (patch * scale) != 0 or size > config.vision_config.image_size:
        raise ValueError(f"--image-size {size}: Idefics3 needs a multiple of {patch * scale} px (patch {patch} x scale {scale}) up to its tile size {config.vision_config.image_size}")
    d_post = int(inner.connector.modality_projection.proj.out_features)
    geometry = Geometry(size=size, patch_size=patch, d_pre=config.vision_config.hidden_size, d_post=d_post, family="pixel-shuffle", parameter=scale)
    encoder = Idefics2Encoder(inner.vision_model, size, patch)
    connector = Connector(inner.connector)
    pixels = example_pixels(geometry, 2, seed=1)
    check_pack(encoder, connector, pixels, lambda p: own_connector_io(model, p), warn)
    description = (
        f"{name}: the vision tower's last hidden state (post-LayerNorm) for a {size} px square image, and the model's own "
        f"connector (pixel shuffle x{scale}, then the modality projection). {geometry.pre} tokens of {geometry.d_pre} -> "
        f"{geometry.post} of {geometry.d_post}. The model itself splits large images into tiles plus a global view; this pack "
        "always sees one centre-cropped square."
    )
    return PackModel(pack_id, name, description, encoder, connector, geometry, preprocess, provenance)


def load_idefics3(model_id: str, revision: Optional[str], provenance: Provenance, warn: Callable[[str], None], image_size: Optional[int] = None) -> PackModel:
    from transformers import AutoConfig  # lazy: only real models need transformers

    # SmolVLM's checkpoints name their own class; both share Idefics3's modules.
    if AutoConfig.from_pretrained(model_id, revision=revision).model_type == "smolvlm":
        from transformers import SmolVLMForConditionalGeneration as model_class
    else:
        from transformers import Idefics3ForConditionalGeneration as model_class

    model = load_model(model_class, model_id, revision)
    size = image_size if image_size is not None else model.config.vision_config.image_size
    preprocess = preprocess_from_processor(load_image_processor(model_id, revision, warn), IDEFICS3_PREPROCESS, warn)
    return idefics3_pack(model, size, preprocess, pack_id_of(model_id), f"Idefics3 ({model_id}, {size} px)", provenance, warn)
