"""Qwen2.5-VL (and Qwen2-VL, families/qwen2_vl.py): the vision tower up to visual.merger (its input: the last block's hidden states)
-> visual.merger (RMSNorm ln_q, concatenate each 2x2 block, MLP).

Qwen's tower takes flattened patches [patches, 3 * 2 * 14 * 14] plus grid_thw, not an image; the
encoder graph here does the processor's flattening itself, so the pack takes NCHW pixels like
any other. The tower orders tokens by 2x2 block and, inside, by attention window; the pack's pre
tokens are put back in grid order (row-major), and the connector graph regroups them into 2x2
blocks before the model's own merger, so post token b is block b, blocks row-major.

Everything that depends on the grid (rotary angles, window index) is computed once by the model's
own methods for the pack's one image size and enters the graph as constants; the graph therefore
has a fixed batch of 1 image (the app runs one at a time).
"""
from __future__ import annotations

import copy
from collections import OrderedDict
from typing import Any, Callable, Optional

import torch

from ..manifest import Geometry, Preprocess, Provenance
from ..pack import PackModel, example_pixels
from .common import capture_calls, check_pack, first_tensor, load_image_processor, load_model, pack_id_of, preprocess_from_processor
from .llava import CLIP_MEAN, CLIP_STD

DEFAULT_SIZE = 448  # 32 x 32 patches, 16 x 16 = 256 post tokens
QWEN_PREPROCESS = Preprocess("shortest-edge", "center", "bicubic", 1 / 255, CLIP_MEAN, CLIP_STD)


def qwen_patches(pixels: torch.Tensor, patch: int, merge: int, temporal: int) -> torch.Tensor:
    """One image [1, 3, S, S] -> the processor's flattened patches [grid * grid, 3 * temporal * patch * patch]:
    the image repeated over `temporal` frames, patches ordered by 2x2 block, then row-major inside."""
    _, channels, size, _ = pixels.shape
    blocks = size // patch // merge
    x = pixels.expand(temporal, channels, size, size)
    x = x.reshape(1, temporal, channels, blocks, merge, patch, blocks, merge, patch)
    x = x.permute(0, 3, 6, 4, 7, 2, 1, 5, 8)
    return x.reshape(blocks * blocks * merge * merge, channels * temporal * patch * patch)


def blocks_to_grid(units: torch.Tensor, blocks: int, merge: int) -> torch.Tensor:
    """[blocks^2, merge^2 * d] (block-major) -> [1, T, d] with tokens row-major on the patch grid."""
    d = units.shape[-1] // (merge * merge)
    x = units.reshape(blocks, blocks, merge, merge, d).permute(0, 2, 1, 3, 4)
    return x.reshape(1, blocks * blocks * merge * merge, d)


def merged_output(output: Any) -> torch.Tensor:
    """What visual(...) returns after its merger: a tensor, or (newer transformers) pooler_output."""
    pooled = getattr(output, "pooler_output", None)
    return pooled if isinstance(pooled, torch.Tensor) else first_tensor(output)


class MergeUnits(torch.nn.Module):
    """Stands in for visual.merger in the encoder: returns the merger's input, one row per 2x2 block,
    so the tower's own code puts the rows back from window order into block order."""

    def __init__(self, unit: int) -> None:
        super().__init__()
        self.unit = unit

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.reshape(-1, self.unit * x.shape[-1])


class QwenEncoder(torch.nn.Module):
    def __init__(self, visual: Any, size: int, patch: int, merge: int, temporal: int) -> None:
        super().__init__()
        self.patch, self.merge, self.temporal = patch, merge, temporal
        self.blocks = size // patch // merge
        grid_thw = torch.tensor([[1, size // patch, size // patch]])
        # A shallow copy with its own merger: the connector keeps the real one, weights are shared.
        tower: Any = copy.copy(visual)
        tower._modules = OrderedDict(visual._modules)
        tower._modules["merger"] = MergeUnits(merge * merge)
        if hasattr(visual, "rot_pos_emb"):
            # transformers 4.x: the tower asks its own methods; answer with this one grid's values.
            with torch.no_grad():
                rotary = visual.rot_pos_emb(grid_thw)
            tower.rot_pos_emb = lambda _grid: rotary
        if hasattr(visual, "get_window_index"):  # Qwen2.5-VL in transformers 4.x (Qwen2-VL has no windows)
            with torch.no_grad():
                window = visual.get_window_index(grid_thw)
            tower.get_window_index = lambda _grid: window
        # transformers 5 computes them from grid_thw with module-level helpers: a constant buffer
        # here, so tracing records this grid's values as constants just the same.
        self.tower = tower
        self.register_buffer("grid_thw", grid_thw, persistent=False)

    def forward(self, pixel_values: torch.Tensor) -> torch.Tensor:
        patches = qwen_patches(pixel_values, self.patch, self.merge, self.temporal)
        units = merged_output(self.tower(patches, grid_thw=self.grid_thw))
        return blocks_to_grid(units, self.blocks, self.merge)


class QwenConnector(torch.nn.Module):
    """visual.merger on grid-ordered tokens: regroup into 2x2 blocks (row-major), then merge."""

    def __init__(self, merger: torch.nn.Module, size: int, patch: int, merge: int) -> None:
        super().__init__()
        self.merger = merger
        self.blocks = size // patch // merge
        self.merge = merge

    def forward(self, pre_tokens: torch.Tensor) -> torch.Tensor:
        n, tokens, d = pre_tokens.shape
        b, m = self.blocks, self.merge
        x = pre_tokens.reshape(n, b, m, b, m, d).permute(0, 1, 3, 2, 4, 5).reshape(n * tokens, d)
        return self.merger(x).reshape(n, tokens // (m * m), -1)


def window_index_of(visual: Any, grid_thw: torch.Tensor) -> torch.Tensor:
    """The order the tower puts 2x2 blocks in (by attention window): its own method in transformers
    4.x, the module-level helper it calls in transformers 5; Qwen2-VL's tower has no windows and
    keeps the processor's order."""
    if hasattr(visual, "get_window_index"):
        return visual.get_window_index(grid_thw)[0]
    if not hasattr(visual, "window_size"):
        _, rows, cols = (int(v) for v in grid_thw[0])
        return torch.arange(rows * cols // visual.spatial_merge_size**2)
    from transformers.vision_utils import get_vision_window_index

    return get_vision_window_index(grid_thw, spatial_merge_size=visual.spatial_merge_size, window_size=visual.window_size, patch_size=visual.patch_size)[0]


def own_connector_io(visual: Any, pixels: torch.Tensor, patch: int, merge: int, temporal: int) -> tuple[torch.Tensor, torch.Tensor]:
    """visual.merger's input (put in grid order) and visual's output when the model encodes one image."""
    side = pixels.shape[-1] // patch
    grid_thw = torch.tensor([[1, side, side]])
    with torch.no_grad(), capture_calls(visual.merger) as calls:
        post = merged_output(visual(qwen_patches(pixels, patch, merge, temporal), grid_thw=grid_thw))
        window_index = window_index_of(visual, grid_thw)
    x = calls[-1].input("x")
    units = x.reshape(-1, merge * merge * x.shape[-1])[torch.argsort(window_index)]
    return blocks_to_grid(units, side // merge, merge), post.unsqueeze(0)


def qwen_pack(model: Any, size: int, preprocess: Preprocess, pack_id: str, name: str, provenance: Provenance, warn: Callable[[str], None]) -> PackModel:
    """Qwen2.5-VL and Qwen2-VL: the same tower interface and merger; Qwen2-VL's tower has no
    attention windows, and its config names the widths differently, so they are read off the merger."""
    visual = model.visual if hasattr(model, "visual") else model.model.visual  # top level before transformers 4.52
    visual.float()
    vc = model.config.vision_config
    patch, merge, temporal = vc.patch_size, vc.spatial_merge_size, vc.temporal_patch_size
    if size % (patch * merge) != 0:
        raise ValueError(f"--image-size {size}: {model.config.model_type} needs a multiple of {patch * merge} (patch {patch} x merge {merge})")
    d_pre = int(visual.merger.ln_q.weight.shape[0])
    d_post = int(visual.merger.mlp[-1].out_features)
    geometry = Geometry(size=size, patch_size=patch, d_pre=d_pre, d_post=d_post, family="merger", parameter=merge)
    encoder = QwenEncoder(visual, size, patch, merge, temporal)
    connector = QwenConnector(visual.merger, size, patch, merge)
    pixels = example_pixels(geometry, 1, seed=1)
    check_pack(encoder, connector, pixels, lambda p: own_connector_io(visual, p, patch, merge, temporal), warn)
    description = (
        f"{name}: the vision tower's last hidden states (the merger's input) for a {size} px square image in grid order, and the "
        f"model's own merger (ln_q, 2x2 concat, MLP). The model itself resizes each image to its own multiple of {patch * merge} px; "
        "this pack always sees one centre-cropped square, one image per run."
    )
    return PackModel(pack_id, name, description, encoder, connector, geometry, preprocess, provenance, dynamic_batch=False)


def load_qwen2_5_vl(model_id: str, revision: Optional[str], provenance: Provenance, warn: Callable[[str], None], image_size: int = DEFAULT_SIZE) -> PackModel:
    from transformers import Qwen2_5_VLForConditionalGeneration  # lazy: only real models need transformers

    model = load_model(Qwen2_5_VLForConditionalGeneration, model_id, revision)
    preprocess = preprocess_from_processor(load_image_processor(model_id, revision, warn), QWEN_PREPROCESS, warn)
    return qwen_pack(model, image_size, preprocess, pack_id_of(model_id), f"Qwen2.5-VL ({model_id}, {image_size} px)", provenance, warn)
