#!/usr/bin/env python3
"""Tiny random-weight models of the real transformers classes, for testing the exporter on them.

Model weights cannot be downloaded on the project's machines, so each family's checkpoint is built
from a small config with seeded random weights: the module names, graph structure and interfaces
are exactly transformers' own. `build` saves one as a local checkpoint folder (config.json,
model.safetensors, preprocessor_config.json), which tools/export_pack.py then opens with
--model FOLDER, the way it opens a downloaded one. `reference` loads that folder with transformers
and captures the connector's input and output with hooks at the reference code's points
(LLaVA: multi_modal_projector; Idefics2: model.connector; Qwen2.5-VL: visual.merger) for seeded
images, written as reference/{pixels,pre,post}.f32 + reference.json (the exporter test's format).

  python tools/hf_tiny.py build --family llava --out /tmp/llava-tiny
  python tools/hf_tiny.py reference --family llava --model /tmp/llava-tiny --out /tmp/ref --size 64
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Callable

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))

FAMILIES = ("llava", "idefics2", "qwen2_5_vl")
REFERENCE_IMAGES = 2
LLAVA_SIZE = 64


def _eager(config: Any) -> Any:
    try:
        config._attn_implementation = "eager"
    except AttributeError:
        pass
    return config


def tiny_llava() -> tuple[Any, Any]:
    from transformers import CLIPImageProcessor, CLIPVisionConfig, LlamaConfig, LlavaConfig, LlavaForConditionalGeneration

    vision = CLIPVisionConfig(hidden_size=32, intermediate_size=64, num_hidden_layers=3, num_attention_heads=4, image_size=LLAVA_SIZE, patch_size=8, projection_dim=32)
    text = LlamaConfig(hidden_size=48, intermediate_size=64, num_hidden_layers=1, num_attention_heads=4, num_key_value_heads=4, vocab_size=128)
    config = LlavaConfig(vision_config=vision, text_config=text, image_token_index=100, vision_feature_layer=-2, vision_feature_select_strategy="default")
    processor = CLIPImageProcessor(size={"shortest_edge": LLAVA_SIZE}, crop_size={"height": LLAVA_SIZE, "width": LLAVA_SIZE})
    return LlavaForConditionalGeneration(_eager(config)), processor


def tiny_idefics2() -> tuple[Any, Any]:
    from transformers import Idefics2Config, Idefics2ForConditionalGeneration, Idefics2ImageProcessor

    config = Idefics2Config(
        vision_config={"hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4, "image_size": 64, "patch_size": 8},
        perceiver_config={"hidden_size": 48, "resampler_n_latents": 8, "resampler_depth": 1, "resampler_n_heads": 4, "resampler_head_dim": 12, "num_key_value_heads": 2},
        text_config={"model_type": "mistral", "hidden_size": 48, "intermediate_size": 64, "num_hidden_layers": 1, "num_attention_heads": 4, "num_key_value_heads": 2, "vocab_size": 128},
        image_token_id=100,
    )
    return Idefics2ForConditionalGeneration(_eager(config)), Idefics2ImageProcessor(do_image_splitting=False)


def tiny_qwen2_5_vl() -> tuple[Any, Any]:
    from transformers import Qwen2_5_VLConfig, Qwen2_5_VLForConditionalGeneration, Qwen2VLImageProcessor

    config = Qwen2_5_VLConfig(
        vision_config={
            "depth": 2,
            "hidden_size": 32,
            "intermediate_size": 64,
            "num_heads": 4,
            "patch_size": 8,
            "spatial_merge_size": 2,
            "temporal_patch_size": 2,
            "window_size": 32,
            "out_hidden_size": 48,
            "fullatt_block_indexes": [1],
        },
        text_config={"hidden_size": 48, "intermediate_size": 64, "num_hidden_layers": 1, "num_attention_heads": 4, "num_key_value_heads": 2, "vocab_size": 128, "rope_parameters": {"rope_type": "default", "rope_theta": 10000.0, "mrope_section": [2, 1, 3]}},
        image_token_id=100,
        video_token_id=101,
        vision_start_token_id=102,
        vision_end_token_id=103,
    )
    return Qwen2_5_VLForConditionalGeneration(_eager(config)), Qwen2VLImageProcessor(patch_size=8, merge_size=2, min_pixels=32 * 32, max_pixels=128 * 128)


BUILDERS: dict[str, Callable[[], tuple[Any, Any]]] = {"llava": tiny_llava, "idefics2": tiny_idefics2, "qwen2_5_vl": tiny_qwen2_5_vl}
CLASSES = {"llava": "LlavaForConditionalGeneration", "idefics2": "Idefics2ForConditionalGeneration", "qwen2_5_vl": "Qwen2_5_VLForConditionalGeneration"}


def build(family: str, out: Path, seed: int) -> None:
    from pack_export.fixtures import randomise_weights

    torch.manual_seed(seed)
    model, processor = BUILDERS[family]()
    model.eval()
    randomise_weights(model)
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out)
    processor.save_pretrained(out)


def own_io(family: str, model: Any, pixels: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The connector's input and output, captured by hooks while the model encodes `pixels` itself."""
    if family == "llava":
        from pack_export.families.llava import own_connector_io

        return own_connector_io(model, pixels)
    if family == "idefics2":
        from pack_export.families.idefics2 import own_connector_io as idefics2_io

        return idefics2_io(model, pixels)
    from pack_export.families.qwen2_5_vl import own_connector_io as qwen_io

    visual = model.visual if hasattr(model, "visual") else model.model.visual
    vc = model.config.vision_config
    pre, post = zip(*(qwen_io(visual, pixels[i : i + 1], vc.patch_size, vc.spatial_merge_size, vc.temporal_patch_size) for i in range(pixels.shape[0])))
    return torch.cat(pre), torch.cat(post)


def reference(family: str, model_dir: Path, out: Path, size: int, seed: int) -> None:
    import transformers

    from pack_export.fixtures import write_reference

    model = getattr(transformers, CLASSES[family]).from_pretrained(model_dir).eval().float()
    config = json.loads((model_dir / "preprocessor_config.json").read_text())
    mean = torch.tensor(config["image_mean"]).view(1, 3, 1, 1)
    std = torch.tensor(config["image_std"]).view(1, 3, 1, 1)
    raw = torch.rand(REFERENCE_IMAGES, 3, size, size, generator=torch.Generator().manual_seed(seed))
    pixels = (raw - mean) / std
    with torch.no_grad():
        pre, post = own_io(family, model, pixels)
    write_reference(out, pixels, pre, post, False, f"transformers {transformers.__version__} {CLASSES[family]} (random weights), connector input and output captured while the model encodes the images")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="save a tiny random-weight checkpoint folder")
    b.add_argument("--family", choices=FAMILIES, required=True)
    b.add_argument("--out", type=Path, required=True)
    b.add_argument("--seed", type=int, default=7)
    r = sub.add_parser("reference", help="write hooked connector input/output for seeded images (into OUT/reference)")
    r.add_argument("--family", choices=FAMILIES, required=True)
    r.add_argument("--model", type=Path, required=True)
    r.add_argument("--out", type=Path, required=True)
    r.add_argument("--size", type=int, required=True, help="square image side in px (the pack's)")
    r.add_argument("--seed", type=int, default=3)
    args = parser.parse_args(argv)
    if args.command == "build":
        build(args.family, args.out, args.seed)
    else:
        reference(args.family, args.model, args.out, args.size, args.seed)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
