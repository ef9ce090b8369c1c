"""Qwen2-VL: the same pack as Qwen2.5-VL's (families/qwen2_5_vl.py): the vision tower's last hidden
states in grid order -> visual.merger (LayerNorm ln_q, concatenate each 2x2 block, MLP). Its tower
attends over the whole image (no windows), so its blocks stay in the processor's order."""
from __future__ import annotations

from typing import Any, Callable

from ..manifest import Provenance
from ..pack import PackModel
from .common import load_image_processor, load_model, pack_id_of, preprocess_from_processor
from .qwen2_5_vl import QWEN_PREPROCESS, qwen_pack

DEFAULT_SIZE = 336  # 24 x 24 patches of 14 px, 12 x 12 = 144 post tokens: the paper's analysis size


def load_qwen2_vl(model_id: str, revision: str | None, provenance: Provenance, warn: Callable[[str], None], image_size: int = DEFAULT_SIZE) -> PackModel:
    from transformers import Qwen2VLForConditionalGeneration  # lazy: only real models need transformers

    model: Any = load_model(Qwen2VLForConditionalGeneration, model_id, revision)
    preprocess = preprocess_from_processor(load_image_processor(model_id, revision, warn), QWEN_PREPROCESS, warn)
    return qwen_pack(model, image_size, preprocess, pack_id_of(model_id), f"Qwen2-VL ({model_id}, {image_size} px)", provenance, warn)
