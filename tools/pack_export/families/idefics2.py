"""Idefics2: SigLIP vision tower (last layer, post_layernorm) -> model.connector (modality
projection MLP, then a perceiver resampler of 64 learned queries).

The pack fixes one square image size (default 378 px: 27 x 27 patches). Every patch is real, so
the patch attention mask the connector takes is all ones: the connector graph builds it from the
tokens' shape, and the vision tower needs none (HF passes None for a full mask too).
"""
from __future__ import annotations

from typing import Any, Callable, Optional

import torch

from ..manifest import Geometry, Preprocess, Provenance
from ..pack import PackModel, example_pixels
from .common import capture_calls, check_pack, first_tensor, load_image_processor, load_model, pack_id_of, preprocess_from_processor

DEFAULT_SIZE = 378  # the processor's shortest_edge
IDEFICS2_PREPROCESS = Preprocess("shortest-edge", "center", "bilinear", 1 / 255, (0.5, 0.5, 0.5), (0.5, 0.5, 0.5))


def own_position_ids(embeddings: Any, size: int, patch_size: int) -> torch.Tensor:
    """The position ids the model's own embedding layer uses for a full size x size image.

    Read by watching its position_embedding, so the model's NaViT-style bucketing decides them;
    tracing that code would bake a per-image Python loop into the graph."""
    side = size // patch_size
    pixels = torch.zeros(1, 3, size, size, dtype=embeddings.patch_embedding.weight.dtype)
    mask = torch.ones(1, side, side, dtype=torch.bool)
    with torch.no_grad(), capture_calls(embeddings.position_embedding) as calls:
        embeddings(pixel_values=pixels, patch_attention_mask=mask)
    return calls[-1].input("input").clone()


class Idefics2Encoder(torch.nn.Module):
    """pixels -> the vision tower's last_hidden_state (after post_layernorm), what model.connector consumes."""

    def __init__(self, vision_model: Any, size: int, patch_size: int) -> None:
        super().__init__()
        self.vision_model = vision_model
        self.register_buffer("position_ids", own_position_ids(vision_model.embeddings, size, patch_size), persistent=False)

    def forward(self, pixel_values: torch.Tensor) -> torch.Tensor:
        vision: Any = self.vision_model  # an HF module: typed by duck, not by class
        embeddings = vision.embeddings
        x = embeddings.patch_embedding(pixel_values).flatten(2).transpose(1, 2)
        x = x + embeddings.position_embedding(self.position_ids)
        x = first_tensor(vision.encoder(inputs_embeds=x, attention_mask=None))
        return vision.post_layernorm(x)


class Idefics2Connector(torch.nn.Module):
    """model.connector with the all-ones patch attention mask of a full image."""

    def __init__(self, connector: torch.nn.Module) -> None:
        super().__init__()
        self.connector = connector

    def forward(self, pre_tokens: torch.Tensor) -> torch.Tensor:
        mask = torch.ones_like(pre_tokens[..., 0], dtype=torch.bool)
        return self.connector(pre_tokens, attention_mask=mask)


def own_connector_io(model: Any, pixels: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """model.connector's input and output when the model itself encodes `pixels` (no padding)."""
    inner = model.model
    with torch.no_grad(), capture_calls(inner.connector) as calls:
        if hasattr(inner, "get_image_features"):
            inner.get_image_features(pixel_values=pixels[:, None], pixel_attention_mask=torch.ones(pixels.shape[0], 1, *pixels.shape[2:], dtype=torch.bool))
        else:
            # Older transformers inline this in forward: the vision tower with a full patch mask, then the connector.
            side = pixels.shape[-1] // model.config.vision_config.patch_size
            mask = torch.ones(pixels.shape[0], side, side, dtype=torch.bool)
            hidden = first_tensor(inner.vision_model(pixel_values=pixels, patch_attention_mask=mask))
            inner.connector(hidden, attention_mask=mask.view(pixels.shape[0], -1))
    call = calls[-1]
    return call.input("image_hidden_states"), first_tensor(call.output)


def idefics2_pack(model: Any, size: int, preprocess: Preprocess, pack_id: str, name: str, provenance: Provenance, warn: Callable[[str], None]) -> PackModel:
    inner = model.model
    inner.vision_model.float()
    inner.connector.float()
    config = model.config
    patch = config.vision_config.patch_size
    queries = config.perceiver_config.resampler_n_latents
    geometry = Geometry(size=size, patch_size=patch, d_pre=config.vision_config.hidden_size, d_post=config.text_config.hidden_size, family="perceiver", parameter=queries)
    encoder = Idefics2Encoder(inner.vision_model, size, patch)
    connector = Idefics2Connector(inner.connector)
    pixels = example_pixels(geometry, 2, seed=1)
    check_pack(encoder, connector, pixels, lambda p: own_connector_io(model, p), warn)
    description = (
        f"{name}: the SigLIP vision tower's last hidden state (post-LayerNorm) for a {size} px square image, and the model's own "
        f"connector (modality projection + perceiver resampler, {queries} queries). Idefics2 itself keeps each image's aspect ratio "
        "(up to 980 px) and may split it into crops; this pack always sees one centre-cropped square."
    )
    return PackModel(pack_id, name, description, encoder, connector, geometry, preprocess, provenance)


def load_idefics2(model_id: str, revision: Optional[str], provenance: Provenance, warn: Callable[[str], None], image_size: int = DEFAULT_SIZE) -> PackModel:
    from transformers import Idefics2ForConditionalGeneration  # lazy: only real models need transformers

    model = load_model(Idefics2ForConditionalGeneration, model_id, revision)
    preprocess = preprocess_from_processor(load_image_processor(model_id, revision, warn), IDEFICS2_PREPROCESS, warn)
    return idefics2_pack(model, image_size, preprocess, pack_id_of(model_id), f"Idefics2 ({model_id}, {image_size} px)", provenance, warn)
