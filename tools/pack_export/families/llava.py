"""LLaVA-1.5: CLIP ViT-L/14-336 -> hidden_states[vision_feature_layer] (-2), CLS dropped for the
"default" select strategy -> multi_modal_projector (Linear, GELU, Linear)."""
from __future__ import annotations

from typing import Any, Callable, Optional, Sequence, Union

import torch

from ..manifest import Geometry, Preprocess, Provenance
from ..pack import PackModel, example_pixels
from .common import Connector, capture_calls, check_pack, load_image_processor, load_model, pack_id_of, preprocess_from_processor

CLIP_MEAN = (0.48145466, 0.4578275, 0.40821073)
CLIP_STD = (0.26862954, 0.26130258, 0.27577711)
CLIP_PREPROCESS = Preprocess("shortest-edge", "center", "bicubic", 1 / 255, CLIP_MEAN, CLIP_STD)


class LlavaEncoder(torch.nn.Module):
    """pixels -> exactly what LLaVA's projector consumes (LlavaModel.get_image_features)."""

    def __init__(self, vision_tower: torch.nn.Module, feature_layer: Union[int, Sequence[int]], select_strategy: str) -> None:
        super().__init__()
        if select_strategy not in ("default", "full"):
            raise ValueError(f"vision_feature_select_strategy {select_strategy!r}: a pack takes 'default' (first token dropped) or 'full'")
        # "default" drops CLIP's CLS token; "full" keeps every token, which fits a pack only for a
        # tower without CLS (SigLIP, LLaVA-OneVision): llava_pack checks the count.
        self.first = 1 if select_strategy == "default" else 0
        self.vision_tower = vision_tower
        self.layers = [feature_layer] if isinstance(feature_layer, int) else list(feature_layer)

    def forward(self, pixel_values: torch.Tensor) -> torch.Tensor:
        hidden_states = self.vision_tower(pixel_values, output_hidden_states=True).hidden_states
        picked = [hidden_states[i][:, self.first :] for i in self.layers]
        return picked[0] if len(picked) == 1 else torch.cat(picked, dim=-1)


def _parts(model: Any) -> tuple[torch.nn.Module, torch.nn.Module]:
    # transformers >= 4.52 nests them in model.model (LlavaModel); older versions keep them on top.
    owner = model if hasattr(model, "multi_modal_projector") else model.model
    return owner.vision_tower, owner.multi_modal_projector


def own_connector_io(model: Any, pixels: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The projector's input and output when the model itself encodes `pixels`, as the paper hooks them."""
    _, projector = _parts(model)
    config = model.config
    owner = model if hasattr(model, "get_image_features") else getattr(model, "model", model)
    with torch.no_grad(), capture_calls(projector) as calls:
        if hasattr(owner, "get_image_features"):
            owner.get_image_features(pixel_values=pixels, vision_feature_layer=config.vision_feature_layer, vision_feature_select_strategy=config.vision_feature_select_strategy)
        else:
            # transformers before get_image_features: the full forward with one image token per feature.
            image_token = getattr(config, "image_token_index", None)
            if image_token is None:
                image_token = config.image_token_id
            tokens = (config.vision_config.image_size // config.vision_config.patch_size) ** 2
            model(input_ids=torch.full((pixels.shape[0], tokens), image_token), pixel_values=pixels)
    call = calls[-1]
    return call.input("image_features"), call.output


def llava_pack(
    model: Any,
    preprocess: Preprocess,
    pack_id: str,
    name: str,
    provenance: Provenance,
    warn: Callable[[str], None],
    connector_io: Callable[[Any, torch.Tensor], tuple[torch.Tensor, torch.Tensor]] = own_connector_io,
) -> PackModel:
    """LLaVA and its relatives (LLaVA-OneVision: families/llava_onevision.py): a vision tower's
    feature layer -> multi_modal_projector. `connector_io` hooks the projector in the model's own path."""
    vision_tower, projector = _parts(model)
    vision_tower.float()
    projector.float()
    config = model.config
    layers = config.vision_feature_layer
    count = 1 if isinstance(layers, int) else len(layers)
    geometry = Geometry(
        size=config.vision_config.image_size,
        patch_size=config.vision_config.patch_size,
        d_pre=config.vision_config.hidden_size * count,
        d_post=config.text_config.hidden_size,
        family="mlp",
    )
    encoder = LlavaEncoder(vision_tower, layers, config.vision_feature_select_strategy)
    connector = Connector(projector)
    pixels = example_pixels(geometry, 2, seed=1)

    def on_the_grid(pre: torch.Tensor) -> None:
        if pre.shape[1] != geometry.pre:
            raise ValueError(
                f"the projector takes {pre.shape[1]} tokens, not the {geometry.pre} patches of the grid "
                f"(vision_feature_select_strategy {config.vision_feature_select_strategy!r} keeps a CLS token?): a pack puts every token on the patch grid"
            )

    check_pack(encoder, connector, pixels, lambda p: connector_io(model, p), warn, check_pre=on_the_grid)
    description = (
        f"{name}: the vision tower's hidden_states[{layers}]{' with the CLS token dropped' if encoder.first else ''} (what the projector consumes), "
        f"and the model's own multi_modal_projector. {geometry.pre} tokens of {geometry.d_pre} -> {geometry.post} of {geometry.d_post}."
    )
    return PackModel(pack_id, name, description, encoder, connector, geometry, preprocess, provenance)


def refuse_other_size(model: Any, image_size: Optional[int], what: str) -> None:
    """A --image-size other than the vision config's is refused: the tower's position embeddings
    are learned for one grid (CLIP's, SigLIP's), so another size is another model."""
    fixed = model.config.vision_config.image_size
    if image_size is not None and image_size != fixed:
        raise ValueError(f"--image-size {image_size}: {what} is fixed at {fixed} px by its vision config")


def load_llava(model_id: str, revision: Optional[str], provenance: Provenance, warn: Callable[[str], None], image_size: Optional[int] = None) -> PackModel:
    from transformers import LlavaForConditionalGeneration  # lazy: only real models need transformers

    model = load_model(LlavaForConditionalGeneration, model_id, revision)
    refuse_other_size(model, image_size, "LLaVA's input")
    preprocess = preprocess_from_processor(load_image_processor(model_id, revision, warn), CLIP_PREPROCESS, warn)
    return llava_pack(model, preprocess, pack_id_of(model_id), f"LLaVA ({model_id})", provenance, warn)
