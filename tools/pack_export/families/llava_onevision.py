"""LLaVA-OneVision (and LLaVA-Interleave, which shares its model type's modules): a SigLIP vision
tower -> hidden_states[vision_feature_layer] (-1), every token kept ("full": SigLIP has no CLS)
-> multi_modal_projector (Linear, GELU, Linear), the same pack as LLaVA-1.5's (families/llava.py).

The model itself tiles an image on its grid pinpoints (anyres) beside a base view and adds a
newline embedding per row; the pack sees the base view only: the image stretched to the tower's
square size, as the model's processor makes it.
"""
from __future__ import annotations

from typing import Any, Callable, Optional

import torch

from ..manifest import Preprocess, Provenance
from ..pack import PackModel
from .common import capture_calls, load_image_processor, load_model, pack_id_of, preprocess_from_processor
from .llava import _parts, llava_pack, refuse_other_size

ONEVISION_PREPROCESS = Preprocess("stretch", "none", "bicubic", 1 / 255, (0.5, 0.5, 0.5), (0.5, 0.5, 0.5))


def own_connector_io(model: Any, pixels: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The projector's input and output when the model's get_image_features encodes `pixels`, each
    as one base view (batch_num_images > 1: no anyres tiling)."""
    _, projector = _parts(model)
    config = model.config
    owner = model.model if hasattr(model, "model") else model
    n, _, height, width = pixels.shape
    if n < 2:
        # Its own path tiles a lone image (anyres); two copies are two base views, each encoded alone.
        pre, post = own_connector_io(model, pixels.expand(2, -1, -1, -1))
        return pre[:1], post[:1]
    with torch.no_grad(), capture_calls(projector) as calls:
        owner.get_image_features(
            pixel_values=pixels,
            image_sizes=torch.tensor([[height, width]] * n),
            vision_feature_layer=config.vision_feature_layer,
            vision_feature_select_strategy=config.vision_feature_select_strategy,
            batch_num_images=torch.tensor([n]),
        )
    call = calls[-1]
    return call.input("image_features"), call.output


def load_llava_onevision(model_id: str, revision: Optional[str], provenance: Provenance, warn: Callable[[str], None], image_size: Optional[int] = None) -> PackModel:
    from transformers import LlavaOnevisionForConditionalGeneration  # lazy: only real models need transformers

    model = load_model(LlavaOnevisionForConditionalGeneration, model_id, revision)
    refuse_other_size(model, image_size, "LLaVA-OneVision's base view")
    preprocess = preprocess_from_processor(load_image_processor(model_id, revision, warn), ONEVISION_PREPROCESS, warn)
    return llava_pack(model, preprocess, pack_id_of(model_id), f"LLaVA-OneVision ({model_id})", provenance, warn, connector_io=own_connector_io)
