#!/usr/bin/env python3
"""Tiny random-weight models of the real transformers classes, for testing the exporter on them.

Model weights cannot be downloaded on the project's machines, so each family's checkpoint is built
from a small config with seeded random weights: the module names, graph structure and interfaces
are exactly transformers' own. `build` saves one as a local checkpoint folder (config.json,
model.safetensors, preprocessor_config.json), which tools/export_pack.py then opens with
--model FOLDER, the way it opens a downloaded one. `reference` loads that folder with transformers
and captures the connector's input and output with hooks at the reference code's points
(LLaVA, LLaVA-OneVision: multi_modal_projector; Idefics2, Idefics3: model.connector; Qwen2-VL,
Qwen2.5-VL: visual.merger) for seeded
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

FAMILIES = ("llava", "llava_onevision", "idefics2", "qwen2_5_vl", "qwen2_vl", "idefics3")
STOCK_FAMILIES = ("llava", "llava_onevision", "qwen2_vl", "qwen2_5_vl", "idefics2", "idefics3")
QWEN_ANALYSIS_SIZE = 336  # the app's fixed analysis size for the Qwen processors (encoderInputs.ts)
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


def tiny_llava_onevision() -> tuple[Any, Any]:
    from transformers import LlavaOnevisionConfig, LlavaOnevisionForConditionalGeneration, LlavaOnevisionImageProcessor, Qwen2Config, SiglipVisionConfig

    # LLaVA-OneVision's layout, small: a SigLIP tower (no CLS), every token kept, the last layer.
    vision = SiglipVisionConfig(hidden_size=32, intermediate_size=64, num_hidden_layers=3, num_attention_heads=4, image_size=LLAVA_SIZE, patch_size=8)
    text = Qwen2Config(hidden_size=48, intermediate_size=64, num_hidden_layers=1, num_attention_heads=4, num_key_value_heads=2, vocab_size=128)
    pinpoints = [[LLAVA_SIZE, LLAVA_SIZE], [LLAVA_SIZE, 2 * LLAVA_SIZE], [2 * LLAVA_SIZE, LLAVA_SIZE], [2 * LLAVA_SIZE, 2 * LLAVA_SIZE]]
    config = LlavaOnevisionConfig(
        vision_config=vision.to_dict(),
        text_config=text.to_dict(),
        image_token_index=100,
        video_token_index=101,
        vision_feature_layer=-1,
        vision_feature_select_strategy="full",
        image_grid_pinpoints=pinpoints,
    )
    processor = LlavaOnevisionImageProcessor(size={"height": LLAVA_SIZE, "width": LLAVA_SIZE}, image_grid_pinpoints=pinpoints)
    return LlavaOnevisionForConditionalGeneration(_eager(config)), processor


def tiny_idefics2() -> tuple[Any, Any]:
    from transformers import Idefics2Config, Idefics2ForConditionalGeneration, Idefics2ImageProcessor

    config = Idefics2Config(
        vision_config={"hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4, "image_size": 64, "patch_size": 8},
        perceiver_config={"hidden_size": 48, "resampler_n_latents": 8, "resampler_depth": 1, "resampler_n_heads": 4, "resampler_head_dim": 12, "num_key_value_heads": 2},
        text_config={"model_type": "mistral", "hidden_size": 48, "intermediate_size": 64, "num_hidden_layers": 1, "num_attention_heads": 4, "num_key_value_heads": 2, "vocab_size": 128},
        image_token_id=100,
    )
    # The processor's shortest edge is the tower's size, the square the app analyses Idefics2 at.
    processor = Idefics2ImageProcessor(do_image_splitting=False, size={"shortest_edge": 64, "longest_edge": 128})
    return Idefics2ForConditionalGeneration(_eager(config)), processor


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
    return Qwen2_5_VLForConditionalGeneration(_eager(config)), Qwen2VLImageProcessor(patch_size=8, merge_size=2)


def tiny_qwen2_vl() -> tuple[Any, Any]:
    from transformers import Qwen2VLConfig, Qwen2VLForConditionalGeneration, Qwen2VLImageProcessor

    # Patch 14 and merge 2 as the real model: the app analyses Qwen2-VL at 336 x 336 (24 x 24 patches).
    config = Qwen2VLConfig(
        vision_config={"depth": 2, "embed_dim": 32, "hidden_size": 48, "mlp_ratio": 2, "num_heads": 4, "patch_size": 14, "spatial_merge_size": 2, "temporal_patch_size": 2},
        text_config={"hidden_size": 48, "intermediate_size": 64, "num_hidden_layers": 1, "num_attention_heads": 4, "num_key_value_heads": 2, "vocab_size": 128, "rope_parameters": {"rope_type": "default", "rope_theta": 10000.0, "mrope_section": [2, 1, 3]}},
        image_token_id=100,
        video_token_id=101,
        vision_start_token_id=102,
        vision_end_token_id=103,
    )
    return Qwen2VLForConditionalGeneration(_eager(config)), Qwen2VLImageProcessor()


def tiny_idefics3() -> tuple[Any, Any]:
    from transformers import Idefics3Config, Idefics3ForConditionalGeneration, Idefics3ImageProcessor

    # SmolVLM's layout, small: a 64 px SigLIP-style tower (8 x 8 patches), pixel shuffle x2.
    config = Idefics3Config(
        vision_config={"hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4, "image_size": 64, "patch_size": 8},
        text_config={"hidden_size": 48, "intermediate_size": 64, "num_hidden_layers": 1, "num_attention_heads": 4, "num_key_value_heads": 2, "vocab_size": 128},
        scale_factor=2,
        image_token_id=100,
    )
    processor = Idefics3ImageProcessor(size={"longest_edge": 64}, max_image_size={"longest_edge": 64}, do_image_splitting=True, resample=1)
    return Idefics3ForConditionalGeneration(_eager(config)), processor


BUILDERS: dict[str, Callable[[], tuple[Any, Any]]] = {
    "llava": tiny_llava,
    "llava_onevision": tiny_llava_onevision,
    "idefics2": tiny_idefics2,
    "qwen2_5_vl": tiny_qwen2_5_vl,
    "qwen2_vl": tiny_qwen2_vl,
    "idefics3": tiny_idefics3,
}
CLASSES = {
    "llava": "LlavaForConditionalGeneration",
    "llava_onevision": "LlavaOnevisionForConditionalGeneration",
    "idefics2": "Idefics2ForConditionalGeneration",
    "qwen2_5_vl": "Qwen2_5_VLForConditionalGeneration",
    "qwen2_vl": "Qwen2VLForConditionalGeneration",
    "idefics3": "Idefics3ForConditionalGeneration",
}


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
    if family == "llava_onevision":
        from pack_export.families.llava_onevision import own_connector_io as onevision_io

        return onevision_io(model, pixels)
    if family == "idefics2":
        from pack_export.families.idefics2 import own_connector_io as idefics2_io

        return idefics2_io(model, pixels)
    if family == "idefics3":
        from pack_export.families.idefics3 import own_connector_io as idefics3_io

        return idefics3_io(model, pixels)
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


class LlavaImageFeatures(torch.nn.Module):
    """pixel_values -> image_features, as transformers.js's LLaVA vision_encoder.onnx is made: the
    model's own get_image_features (vision tower, feature layer, CLS dropped, multi_modal_projector)."""

    def __init__(self, model: Any) -> None:
        super().__init__()
        self.model = model

    def forward(self, pixel_values: torch.Tensor) -> torch.Tensor:
        config = self.model.config
        owner = self.model if hasattr(self.model, "get_image_features") else self.model.model
        out = owner.get_image_features(pixel_values=pixel_values, vision_feature_layer=config.vision_feature_layer, vision_feature_select_strategy=config.vision_feature_select_strategy)
        out = getattr(out, "pooler_output", out)
        if isinstance(out, (list, tuple)):
            out = torch.stack(list(out)) if len(out) > 1 else out[0].unsqueeze(0) if out[0].dim() == 2 else out[0]
        return out


class OnevisionImageFeatures(torch.nn.Module):
    """pixel_values [N, 3, S, S] (base views) -> image_features [N, T, d]: LLaVA-OneVision's own
    modules in its get_image_features order (vision tower, feature layer, select strategy,
    multi_modal_projector), as transformers.js's LLaVA-family vision_encoder.onnx; the anyres
    packing and newline embeddings that follow are the caller's."""

    def __init__(self, model: Any) -> None:
        super().__init__()
        # Held whole, so the graph's node names carry the model's own module paths.
        self.model = model
        self.layer = model.config.vision_feature_layer
        self.first = 1 if model.config.vision_feature_select_strategy == "default" else 0

    def forward(self, pixel_values: torch.Tensor) -> torch.Tensor:
        owner = self.model.model if hasattr(self.model, "model") else self.model
        hidden = owner.vision_tower(pixel_values, output_hidden_states=True).hidden_states[self.layer]
        return owner.multi_modal_projector(hidden[:, self.first :])


class IdeficsImageFeatures(torch.nn.Module):
    """(pixel_values [1, N, 3, S, S], pixel_attention_mask [1, N, S, S]) -> image_features [N * T', d]:
    the model's own get_image_features (vision model, then model.connector), as the transformers.js
    vision_encoder.onnx of SmolVLM (Idefics3) and Idefics2."""

    def __init__(self, model: Any) -> None:
        super().__init__()
        self.model = model.model if hasattr(model, "model") else model

    def forward(self, pixel_values: torch.Tensor, pixel_attention_mask: torch.Tensor) -> torch.Tensor:
        out = self.model.get_image_features(pixel_values=pixel_values, pixel_attention_mask=pixel_attention_mask)
        out = getattr(out, "pooler_output", out)
        if isinstance(out, (list, tuple)):  # transformers 5: one tensor per image
            out = torch.cat([t.reshape(-1, t.shape[-1]) for t in out])
        return out.reshape(-1, out.shape[-1])


class QwenVisualFeatures(torch.nn.Module):
    """(pixel_values [patches, 3 * 2 * 14 * 14], grid_thw [1, 3]) -> image_features: the model's own
    visual (vision tower, then visual.merger), as transformers.js's Qwen2-VL vision_encoder.onnx."""

    def __init__(self, model: Any) -> None:
        super().__init__()
        self.visual = model.visual if hasattr(model, "visual") else model.model.visual

    def forward(self, pixel_values: torch.Tensor, grid_thw: torch.Tensor) -> torch.Tensor:
        out = self.visual(pixel_values, grid_thw=grid_thw)
        pooled = getattr(out, "pooler_output", None)
        return pooled if isinstance(pooled, torch.Tensor) else out


def stock(family: str, model_dir: Path, out: Path, exporter: str) -> None:
    """A stock export the way the Hub's transformers.js repos hold one: onnx/vision_encoder.onnx
    (pixel_values -> image_features, the connector inside) beside config.json and
    preprocessor_config.json. `exporter`: torch.onnx's TorchScript exporter or its dynamo one."""
    import shutil

    import transformers

    if family not in STOCK_FAMILIES:
        raise SystemExit(f"stock: {family} is not built yet ({', '.join(STOCK_FAMILIES)} are)")
    model = getattr(transformers, CLASSES[family]).from_pretrained(model_dir).eval().float()
    if family == "llava":
        size = model.config.vision_config.image_size
        wrapper: torch.nn.Module = LlavaImageFeatures(model).eval()
        # One image, a fixed batch: transformers 5's get_image_features splits its output per image (a
        # Python list), which tracing bakes in at the traced batch size. The app runs one image at a time.
        inputs: tuple[torch.Tensor, ...] = (torch.randn(1, 3, size, size, generator=torch.Generator().manual_seed(0)),)
        names = ["pixel_values"]
    elif family == "llava_onevision":
        size = model.config.vision_config.image_size
        wrapper = OnevisionImageFeatures(model).eval()
        inputs = (torch.randn(1, 3, size, size, generator=torch.Generator().manual_seed(0)),)
        names = ["pixel_values"]
    elif family in ("idefics2", "idefics3"):
        size = model.config.vision_config.image_size
        wrapper = IdeficsImageFeatures(model).eval()
        inputs = (torch.randn(1, 1, 3, size, size, generator=torch.Generator().manual_seed(0)), torch.ones(1, 1, size, size, dtype=torch.bool))
        names = ["pixel_values", "pixel_attention_mask"]
    else:
        # The app analyses Qwen2-VL and Qwen2.5-VL at 336 x 336 (24 x 24 patches of 14 px), traced at that grid.
        vc = model.config.vision_config
        row = 3 * vc.temporal_patch_size * vc.patch_size**2
        side = QWEN_ANALYSIS_SIZE // vc.patch_size
        wrapper = QwenVisualFeatures(model).eval()
        inputs = (torch.randn(side * side, row, generator=torch.Generator().manual_seed(0)), torch.tensor([[1, side, side]]))
        names = ["pixel_values", "grid_thw"]
    (out / "onnx").mkdir(parents=True, exist_ok=True)
    for name in ("config.json", "preprocessor_config.json"):
        shutil.copy(model_dir / name, out / name)
    path = out / "onnx" / "vision_encoder.onnx"
    with torch.no_grad():
        if exporter == "torchscript":
            torch.onnx.export(wrapper, inputs, str(path), input_names=names, output_names=["image_features"], opset_version=17, dynamo=False)
        else:
            program = torch.onnx.export(wrapper, inputs, input_names=names, output_names=["image_features"], dynamo=True, external_data=False)
            program.save(str(path))


def reference_on(family: str, model_dir: Path, pixels_file: Path, out: Path, size: int) -> None:
    """The connector's input and output (hooked) for pixels given as float32 [n, 3, size, size], or
    for Qwen2-VL and Qwen2.5-VL as the processor's patch rows of one size x size image (the merger's
    input and output then in the processor's order, 2 x 2 merge windows consecutive)."""
    import numpy as np
    import transformers

    from pack_export.families.common import capture_calls
    from pack_export.fixtures import write_reference

    model = getattr(transformers, CLASSES[family]).from_pretrained(model_dir).eval().float()
    raw = np.fromfile(pixels_file, dtype="<f4")
    if family in ("qwen2_vl", "qwen2_5_vl"):
        vc = model.config.vision_config
        side = size // vc.patch_size
        pixels = torch.from_numpy(raw.reshape(side * side, -1).copy())
        visual = model.visual if hasattr(model, "visual") else model.model.visual
        grid_thw = torch.tensor([[1, side, side]])
        with torch.no_grad(), capture_calls(visual.merger) as calls:
            visual(pixels, grid_thw=grid_thw)
        pre, post = calls[-1].input("hidden_states"), calls[-1].output
        if family == "qwen2_5_vl":
            # Qwen2.5-VL's tower runs (and merges) the 2 x 2 blocks in attention-window order: put them
            # back in the processor's order with transformers' own window index.
            from pack_export.families.qwen2_5_vl import window_index_of

            order = torch.argsort(window_index_of(visual, grid_thw))
            unit = vc.spatial_merge_size**2
            pre = pre.reshape(-1, unit, pre.shape[-1])[order].reshape(pre.shape)
            post = post[order]
        write_reference(out, pixels, pre.unsqueeze(0), post.unsqueeze(0), False, f"transformers {transformers.__version__} {CLASSES[family]} (random weights), visual.merger hooked, on given patch rows, in the processor's patch order")
        return
    pixels = torch.from_numpy(raw.reshape(-1, 3, size, size).copy())
    if family in ("idefics2", "idefics3"):
        inner = model.model if hasattr(model, "model") else model
        with torch.no_grad(), capture_calls(inner.connector) as calls:
            inner.get_image_features(pixel_values=pixels[None], pixel_attention_mask=torch.ones(1, pixels.shape[0], size, size, dtype=torch.bool))
        call = calls[-1]
        write_reference(out, pixels, call.input("image_hidden_states"), call.output, False, f"transformers {transformers.__version__} {CLASSES[family]} (random weights), model.connector hooked, on given pixels")
        return
    with torch.no_grad():
        pre, post = own_io(family, model, pixels)
    write_reference(out, pixels, pre, post, False, f"transformers {transformers.__version__} {CLASSES[family]} (random weights), hooked, on given pixels")


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
    st = sub.add_parser("stock", help="write a transformers.js-style stock export (onnx/vision_encoder.onnx + configs)")
    st.add_argument("--family", choices=FAMILIES, required=True)
    st.add_argument("--model", type=Path, required=True)
    st.add_argument("--out", type=Path, required=True)
    st.add_argument("--exporter", choices=("torchscript", "dynamo"), default="torchscript")
    ro = sub.add_parser("reference-on", help="hooked connector input/output for given pixels (float32 file)")
    ro.add_argument("--family", choices=FAMILIES, required=True)
    ro.add_argument("--model", type=Path, required=True)
    ro.add_argument("--pixels", type=Path, required=True)
    ro.add_argument("--out", type=Path, required=True)
    ro.add_argument("--size", type=int, required=True)
    args = parser.parse_args(argv)
    if args.command == "build":
        build(args.family, args.out, args.seed)
    elif args.command == "reference":
        reference(args.family, args.model, args.out, args.size, args.seed)
    elif args.command == "stock":
        stock(args.family, args.model, args.out, args.exporter)
    else:
        reference_on(args.family, args.model, args.pixels, args.out, args.size)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
