#!/usr/bin/env python3
"""Export a VLM's vision encoder and connector as a Connector Lens model pack.

    python3 tools/export_pack.py --model llava-hf/llava-1.5-7b-hf --out packs/llava-1.5-7b
    python3 tools/export_pack.py --model HuggingFaceM4/idefics2-8b --out packs/idefics2-8b --fp16
    python3 tools/export_pack.py --model Qwen/Qwen2.5-VL-7B-Instruct --out packs/qwen2.5-vl-7b
    python3 tools/export_pack.py --fixture llava-tiny --out /tmp/llava-tiny

The pack's encoder outputs exactly what the connector consumes; the connector is the model's own
module. See tools/README.md for what each model's pack contains and where it departs from the model.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, Callable, Optional

try:
    import torch
except ImportError:  # the message the test shows too
    sys.exit("export_pack.py needs PyTorch. On Debian: apt-get install -y python3-torch (and run /usr/bin/python3), or pip install torch.")

from pack_export.fixtures import llava_hf_tiny, llava_tiny, reference_pixels, round_weights_to_float16, write_reference
from pack_export.manifest import Provenance
from pack_export.onnx_export import ExportOptions
from pack_export.pack import PackModel, PackReport, write_pack

FIXTURES = ("llava-tiny", "llava-hf-tiny")


def warn(message: str) -> None:
    print(f"note: {message}", file=sys.stderr)


def parse_args(argv: Optional[list[str]]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--model", help="HF model id: a LLaVA-1.5, LLaVA-OneVision, Idefics2, Idefics3/SmolVLM, Qwen2-VL or Qwen2.5-VL checkpoint (or a local folder of one)")
    source.add_argument("--fixture", choices=FIXTURES, help="a tiny LLaVA-shaped model with seeded random weights, plus reference outputs (for tests)")
    parser.add_argument("--out", required=True, type=Path, help="pack folder to write")
    parser.add_argument("--revision", help="model revision (branch, tag or commit) to download")
    parser.add_argument("--fp16", action="store_true", help="store weights as float16 (half the size; computation and the pack's inputs/outputs stay float32)")
    parser.add_argument("--external-data-above", type=float, default=1536, metavar="MB", help="keep weights in a <file>.onnx_data side file when a graph's weights exceed this many MiB (default 1536; 0: always)")
    parser.add_argument("--image-size", type=int, help="square input side in px (Idefics2: default 378; Idefics3/SmolVLM: default its tile size; Qwen2-VL: default 336, Qwen2.5-VL: default 448, multiples of 28); LLaVA's and LLaVA-OneVision's are fixed by their configs")
    parser.add_argument("--seed", type=int, default=7, help="seed of a fixture's weights")
    return parser.parse_args(argv)


def family_loader(model_id: str, revision: Optional[str]) -> Callable[..., PackModel]:
    """The family's loader, chosen from the checkpoint's config (model_type), not from its name."""
    from transformers import AutoConfig  # lazy: only real models need transformers

    from pack_export.families.idefics2 import load_idefics2
    from pack_export.families.idefics3 import load_idefics3
    from pack_export.families.llava import load_llava
    from pack_export.families.llava_onevision import load_llava_onevision
    from pack_export.families.qwen2_5_vl import load_qwen2_5_vl
    from pack_export.families.qwen2_vl import load_qwen2_vl

    model_type = AutoConfig.from_pretrained(model_id, revision=revision).model_type
    loaders: dict[str, Callable[..., PackModel]] = {
        "llava": load_llava,
        "llava_onevision": load_llava_onevision,
        "idefics2": load_idefics2,
        "idefics3": load_idefics3,
        "smolvlm": load_idefics3,
        "qwen2_vl": load_qwen2_vl,
        "qwen2_5_vl": load_qwen2_5_vl,
    }
    if model_type not in loaders:
        raise SystemExit(f"{model_id}: model_type {model_type!r} is not one this exporter knows ({', '.join(loaders)})")
    return loaders[model_type]


def export_model(args: argparse.Namespace, options: ExportOptions) -> PackReport:
    try:
        import transformers
    except ImportError:
        raise SystemExit("--model needs transformers (pip install transformers); --fixture llava-tiny does not")
    loader = family_loader(args.model, args.revision)
    origin = f"{args.model}@{args.revision or 'main'}, exported by tools/export_pack.py (transformers {transformers.__version__}, torch {torch.__version__})"
    provenance = Provenance("pretrained", f"the licence of {args.model}: see its model card", origin)
    kwargs: dict[str, Any] = {} if args.image_size is None else {"image_size": args.image_size}
    pack = loader(args.model, args.revision, provenance, warn, **kwargs)
    return write_pack(pack, args.out, options)


def export_fixture(args: argparse.Namespace, options: ExportOptions) -> PackReport:
    model: Any = None
    if args.fixture == "llava-hf-tiny":
        pack, model = llava_hf_tiny(args.seed, warn)
    else:
        pack = llava_tiny(args.seed)
    if args.fp16:
        # The pack stores these exact values, so torch's reference is what the pack computes.
        round_weights_to_float16(model if model is not None else torch.nn.ModuleList([pack.encoder, pack.connector]))
    report = write_pack(pack, args.out, options)
    pixels = reference_pixels(pack.geometry, args.seed)
    with torch.no_grad():
        if model is not None:
            from pack_export.families.llava import own_connector_io

            pre, post = own_connector_io(model, pixels)
            source = "transformers LlavaModel.get_image_features, multi_modal_projector input and output"
        else:
            pre = pack.encoder(pixels)
            post = pack.connector(pre)
            source = "the fixture's torch modules"
    write_reference(args.out, pixels, pre, post, args.fp16, source)
    return report


def describe(report: PackReport) -> str:
    lines = [f"wrote {report.folder}/"]
    for name in sorted(p.name for p in report.folder.iterdir() if p.is_file()):
        lines.append(f"  {name:<22} {(report.folder / name).stat().st_size / 1e6:10.2f} MB")
    for role, r in (("encoder", report.encoder), ("connector", report.connector)):
        parts = [f"{r.weight_bytes / 1e6:.2f} MB of weights"]
        if r.float16_tensors:
            parts.append(f"{r.float16_tensors} tensors as float16")
        if r.kept_float32:
            parts.append(f"{len(r.kept_float32)} kept float32 (outside float16's range)")
        if r.external_file:
            parts.append(f"{r.external_bytes / 1e6:.2f} MB in {r.external_file}")
        lines.append(f"  {role}: {', '.join(parts)}")
    t = report.manifest["tokens"]
    lines.append(f"  tokens: {t['pre']} x {t['dPre']} -> {t['post']} x {t['dPost']} ({report.manifest['connector']['family']})")
    return "\n".join(lines)


def main(argv: Optional[list[str]] = None) -> int:
    args = parse_args(argv)
    external = None if args.external_data_above < 0 else int(args.external_data_above * 1024 * 1024)
    options = ExportOptions(float16=args.fp16, external_above_bytes=external)
    report = export_fixture(args, options) if args.fixture else export_model(args, options)
    print(describe(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
