#!/usr/bin/env python3
"""Embed a folder of images with a VLM and write the paper's block store: for every image,
pre-block-<id>.safetensors (the connector's input) and post-block-<id>.safetensors (its output),
each holding one tensor "block" [tokens, dim]. Runs alone or under torchrun, on CPUs or GPUs.

    python3 tools/extract_blocks.py --fixture llava-tiny --images photos/ --out blocks/
    torchrun --nproc_per_node 8 tools/extract_blocks.py --model llava-hf/llava-1.5-7b-hf \\
        --images photos/ --out blocks/ --dtype float16 --batch-size 16
    python3 tools/extract_blocks.py --merge node0/blocks node1/blocks --out blocks/

Ids: the image's path under --images without its extension, '/' written as '~' ("cats/01.png" ->
"cats~01"); images in sub-folders are labelled with the first sub-folder's name in labels.csv.
The model's parts and preprocessing are those of tools/export_pack.py's packs (pack_export/), so
the blocks are what the app computes with that model's pack. See tools/README.md.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Optional

from block_store.images import ImageSetError, list_images
from block_store.store import StoreError, check_out_folder, merge_stores

FIXTURES = ("llava-tiny", "llava-hf-tiny")
DTYPE_NAMES = ("float32", "float16", "bfloat16")


def parse_args(argv: Optional[list[str]]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--model", help="HF model id or local checkpoint folder: LLaVA-1.5, Idefics2 or Qwen2.5-VL (family read from its config)")
    source.add_argument("--fixture", choices=FIXTURES, help="a tiny LLaVA-shaped model with seeded random weights (tests; llava-hf-tiny needs transformers)")
    source.add_argument("--merge", nargs="+", type=Path, metavar="DIR", help="join these block stores (e.g. one per machine) into --out; refuses an id whose files differ")
    parser.add_argument("--images", type=Path, help="folder of images, read recursively (png, jpg, jpeg, webp, bmp, gif, tif, tiff)")
    parser.add_argument("--out", type=Path, required=True, help="folder to write the store into (created; must hold no blocks yet)")
    parser.add_argument("--copy-images", action="store_true", help="also copy each png/jpg/jpeg/gif/webp/bmp image beside its blocks as <id>.<ext>, so the app shows the pictures (other formats are not copied)")
    parser.add_argument("--dtype", choices=DTYPE_NAMES, default="float32", help="compute and store the blocks in this dtype (default float32; float16 needs a GPU on torch 1.x)")
    parser.add_argument("--batch-size", type=int, default=8, help="images per forward pass, and the unit of work dealt to the processes (default 8)")
    parser.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto", help="auto: each process's GPU (LOCAL_RANK) when CUDA is there, else the CPU")
    parser.add_argument("--workers", type=int, help="image-loading worker processes per rank (default 4 with CUDA, 0 on the CPU)")
    parser.add_argument("--revision", help="model revision (branch, tag or commit) to download")
    parser.add_argument("--image-size", type=int, help="square input side in px for Idefics2 (default 378) and Qwen2.5-VL (default 448); LLaVA's is fixed by its config")
    parser.add_argument("--seed", type=int, default=7, help="seed of a fixture's weights (default 7, as tools/export_pack.py)")
    parser.add_argument("--dist-timeout", type=float, default=120, metavar="MINUTES", help="how long a process waits for the others at a barrier (default 120)")
    args = parser.parse_args(argv)
    if args.merge:
        if args.images is not None or args.copy_images:
            parser.error("--merge joins existing stores (and the images copied into them); --images and --copy-images are for extracting")
    else:
        if args.images is None:
            parser.error("--images is required to extract (or give --merge DIR... to join stores)")
        if args.batch_size < 1:
            parser.error("--batch-size must be at least 1")
        if args.workers is not None and args.workers < 0:
            parser.error("--workers must be 0 or more")
    return args


def rank_prefix() -> str:
    """Under torchrun every process prints its own errors: say which one."""
    if "RANK" in os.environ and "WORLD_SIZE" in os.environ and os.environ["WORLD_SIZE"] != "1":
        return f"[rank {os.environ['RANK']}/{os.environ['WORLD_SIZE']}] "
    return ""


def main(argv: Optional[list[str]] = None) -> int:
    args = parse_args(argv)
    try:
        if args.merge:
            record = merge_stores(args.merge, args.out, log=lambda line: print(line, file=sys.stderr))
            print(f"merged {len(args.merge)} stores into {args.out}/: {record['count']} images, pre {record['shapes']['pre']} and post {record['shapes']['post']}")
            return 0
        # Both checks before torch is imported: a wrong folder is reported in a moment, not after
        # PyTorch and the model have loaded, and before any process writes anything.
        items = list_images(args.images)
        check_out_folder(args.out)
        try:
            import torch  # noqa: F401
            import safetensors  # noqa: F401
        except ImportError as error:
            raise SystemExit(f"extract_blocks.py needs PyTorch and safetensors ({error}). On Debian: apt-get install -y python3-torch, then pip install safetensors (tools/requirements-tools.txt).") from error
        from block_store.extract import run

        return run(args, items)
    except (ImageSetError, StoreError) as error:
        print(f"{rank_prefix()}extract_blocks.py: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
