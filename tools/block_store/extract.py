"""Embed a folder of images with a VLM and write the paper's block store, on one or many processes.

The model's parts are the ones tools/export_pack.py puts in a pack (pack_export/families/): the
encoder side up to exactly what the connector consumes, and the model's own connector. The family
loaders check them against the model's own image path (get_image_features or the vision tower)
before anything is returned, so the blocks are what the paper's forward hooks record.

Work is split in whole batches: the images, sorted, are cut into batches of --batch-size
consecutive images, and torch.utils.data.DistributedSampler(shuffle=False, drop_last=False)
deals the batches to the ranks. An image is therefore always computed in the same batch, whatever
the number of processes, and the blocks come out bit for bit the same on 1 or N processes of the
same kind (matrix kernels may round differently for another batch composition). The sampler
pads its list by repeating batches so that every rank gets as many; each repeated batch is
written only by the first rank that holds it (owner_of), so no block is written twice.
"""
from __future__ import annotations

import argparse
import datetime
import os
import platform
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np
import torch
import torch.distributed as dist
from torch.utils.data import DataLoader, Dataset, DistributedSampler

from pack_export.manifest import Preprocess, Provenance
from pack_export.pack import PackModel

from .images import ImageItem, ImageSetError, listing_digest, load_pixels, preprocess_dict
from .store import (
    FORMAT_VERSION,
    LABELS_FILE,
    PARTIAL_SUFFIX,
    SHARD_FORMAT,
    STORE_FILE,
    STORE_FORMAT,
    TENSOR_NAME,
    StoreError,
    block_file,
    image_copy_name,
    labels_csv,
    shard_file,
    write_atomically,
    write_json,
)

DTYPES: dict[str, torch.dtype] = {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}
SAFETENSORS_DTYPES = {"float32": "F32", "float16": "F16", "bfloat16": "BF16"}
ID_SCHEME = "the image's path relative to --images, extension dropped, '/' written as '~' (characters Windows refuses as '_')"


# ------------------------------------------------------------------------------ distribution


@dataclass(frozen=True)
class Group:
    """This process's place in the run. Without torchrun: rank 0 of 1, and no process group."""

    rank: int
    world: int
    local_rank: int
    distributed: bool

    def barrier(self) -> None:
        if self.distributed:
            dist.barrier()

    def all_gather(self, value: Any) -> list[Any]:
        if not self.distributed:
            return [value]
        gathered: list[Any] = [None] * self.world
        dist.all_gather_object(gathered, value)
        return gathered

    def broadcast(self, value: Any) -> Any:
        """Rank 0's value, on every rank."""
        if not self.distributed:
            return value
        box = [value]
        dist.broadcast_object_list(box, src=0)
        return box[0]

    def say(self, message: str) -> None:
        prefix = f"[rank {self.rank}/{self.world}] " if self.world > 1 else ""
        print(f"{prefix}{message}", file=sys.stderr, flush=True)


def launched_by_torchrun() -> bool:
    return "RANK" in os.environ and "WORLD_SIZE" in os.environ


def join_group(use_cuda: bool, timeout_minutes: float) -> Group:
    """torchrun's env:// rendezvous; gloo on CPU, nccl when each process has a GPU."""
    if not launched_by_torchrun():
        return Group(0, 1, 0, False)
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    if use_cuda:
        torch.cuda.set_device(local_rank)  # before nccl: object collectives use the current device
    dist.init_process_group(backend="nccl" if use_cuda else "gloo", timeout=datetime.timedelta(minutes=timeout_minutes))
    return Group(dist.get_rank(), dist.get_world_size(), local_rank, True)


def leave_group(group: Group) -> None:
    if group.distributed:
        dist.destroy_process_group()


def batch_ranges(count: int, batch_size: int) -> list[range]:
    return [range(start, min(start + batch_size, count)) for start in range(0, count, batch_size)]


def sampler_lists(batches: int, world: int) -> list[list[int]]:
    """What DistributedSampler hands each rank: batch indices, padded with repeats to equal lengths."""
    return [list(DistributedSampler(range(batches), num_replicas=world, rank=r, shuffle=False, drop_last=False)) for r in range(world)]


def owner_of(lists: Sequence[Sequence[int]], count: int) -> dict[int, int]:
    """Batch index -> the rank that writes it: the first rank (then first position) holding it.
    Every batch has exactly one owner; the sampler's repeats are left to nobody."""
    owner: dict[int, int] = {}
    for rank, indices in enumerate(lists):
        for index in indices:
            owner.setdefault(index, rank)
    if sorted(owner) != list(range(count)):
        raise RuntimeError(f"DistributedSampler dealt batches {sorted(owner)}, not every one of 0..{count - 1}: this torch's sampler behaves unlike the one this tool was written for")
    return owner


# ------------------------------------------------------------------------------------ model


@dataclass
class LoadedModel:
    pack: PackModel
    record: dict[str, Any]


def load_model(args: argparse.Namespace, warn: Callable[[str], None]) -> LoadedModel:
    """The pack's encoder and connector for --fixture or --model, as tools/export_pack.py builds them."""
    if args.fixture:
        from pack_export.fixtures import llava_hf_tiny, llava_tiny

        pack = llava_tiny(args.seed) if args.fixture == "llava-tiny" else llava_hf_tiny(args.seed, warn)[0]
        record: dict[str, Any] = {"fixture": args.fixture, "seed": args.seed}
    else:
        try:
            import transformers
        except ImportError as error:
            raise SystemExit("--model needs transformers (pip install transformers); --fixture llava-tiny does not") from error
        from export_pack import family_loader

        loader = family_loader(args.model, args.revision)
        origin = f"{args.model}@{args.revision or 'main'}, blocks by tools/extract_blocks.py (transformers {transformers.__version__}, torch {torch.__version__})"
        provenance = Provenance("pretrained", f"the licence of {args.model}: see its model card", origin)
        kwargs: dict[str, Any] = {} if args.image_size is None else {"image_size": args.image_size}
        pack = loader(args.model, args.revision, provenance, warn, **kwargs)
        record = {"id": args.model, "revision": args.revision}
    g = pack.geometry
    record.update({"pack": pack.pack_id, "connector": g.connector(), "imageSize": g.size, "patchSize": g.patch_size})
    return LoadedModel(pack, record)


def refresh_grid_constants(encoder: torch.nn.Module) -> None:
    """Qwen2.5-VL's pack encoder holds its tower's rotary angles and window index as constants made
    on the CPU in float32 (for tracing). After a move to a GPU or another dtype they are made again
    by the tower's own methods, where the module now lives."""
    tower = getattr(encoder, "tower", None)
    grid = getattr(encoder, "grid_thw", None)
    if tower is None or grid is None or "rot_pos_emb" not in vars(tower):
        return
    cls = type(tower)
    with torch.no_grad():
        rotary = cls.rot_pos_emb(tower, grid)
        window = cls.get_window_index(tower, grid)
    tower.rot_pos_emb = lambda _grid: rotary
    tower.get_window_index = lambda _grid: window


# ---------------------------------------------------------------------------------- running


class BatchImages(Dataset):
    """One item per batch this rank writes: (batch index, pixels [n, 3, S, S] float32)."""

    # Holds the preprocessing, not the model: loader workers need nothing else.
    def __init__(self, items: Sequence[ImageItem], batches: Sequence[range], mine: Sequence[int], preprocess: Preprocess, size: int) -> None:
        self.items, self.batches, self.mine = items, batches, list(mine)
        self.preprocess, self.size = preprocess, size

    def __len__(self) -> int:
        return len(self.mine)

    def __getitem__(self, position: int) -> tuple[int, torch.Tensor]:
        index = self.mine[position]
        arrays = [load_pixels(self.items[i].path, self.preprocess, self.size) for i in self.batches[index]]
        return index, torch.from_numpy(np.stack(arrays))


def embed(pack: PackModel, pixels: torch.Tensor, dtype_name: str) -> tuple[torch.Tensor, torch.Tensor]:
    """The connector's input and output for a batch. A graph fixed to one image (Qwen2.5-VL) runs
    the images one at a time."""
    try:
        if pack.dynamic_batch:
            pre = pack.encoder(pixels)
            return pre, pack.connector(pre)
        pres = [pack.encoder(pixels[i : i + 1]) for i in range(pixels.shape[0])]
        posts = [pack.connector(p) for p in pres]
        return torch.cat(pres), torch.cat(posts)
    except RuntimeError as error:
        if "not implemented for" in str(error) and pixels.device.type == "cpu" and dtype_name != "float32":
            raise SystemExit(f"--dtype {dtype_name} on the CPU: torch {torch.__version__} lacks an operation of this model in that dtype ({error}). Use --dtype float32 (or bfloat16) on the CPU, or run on a GPU.") from error
        raise


def versions() -> dict[str, str]:
    import PIL
    import safetensors

    found = {"python": platform.python_version(), "torch": torch.__version__, "safetensors": safetensors.__version__, "pillow": PIL.__version__, "numpy": np.__version__}
    transformers = sys.modules.get("transformers")
    if transformers is not None:
        found["transformers"] = transformers.__version__
    return found


def choose_device(name: str) -> bool:
    """Whether to use CUDA: --device auto takes it when there is one."""
    available = torch.cuda.is_available()
    if name == "cuda" and not available:
        raise SystemExit("--device cuda: torch sees no CUDA device here")
    return name == "cuda" or (name == "auto" and available)


def run(args: argparse.Namespace, items: list[ImageItem]) -> int:
    """Extract: every rank writes its blocks and shard record; rank 0 then writes store.json."""
    from safetensors.torch import save_file

    started = time.monotonic()
    use_cuda = choose_device(args.device)
    group = join_group(use_cuda, args.dist_timeout)
    try:
        digests = group.all_gather(listing_digest(items))
        if len(set(digests)) > 1:
            differ = [r for r, d in enumerate(digests) if d != digests[0]]
            raise ImageSetError(f"--images {args.images}: ranks {differ} see other images than rank 0 (a node with another copy of the folder?); every process must see the same images")
        run_id = group.broadcast(f"{datetime.datetime.now(datetime.timezone.utc):%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:8]}")

        warn = (lambda message: group.say(f"note: {message}")) if group.rank == 0 else (lambda message: None)
        loaded = load_model(args, warn)
        pack = loaded.pack
        device = torch.device("cuda", group.local_rank) if use_cuda else torch.device("cpu")
        dtype = DTYPES[args.dtype]
        for module in (pack.encoder, pack.connector):
            module.to(device=device, dtype=dtype)
            module.eval()
        refresh_grid_constants(pack.encoder)

        g = pack.geometry
        expected = {"pre": [g.pre, g.d_pre], "post": [g.post, g.d_post]}
        batches = batch_ranges(len(items), args.batch_size)
        lists = sampler_lists(len(batches), group.world)
        owner = owner_of(lists, len(batches))
        mine = [b for b in dict.fromkeys(lists[group.rank]) if owner[b] == group.rank]
        repeats = len(lists[group.rank]) - len(mine)
        workers = args.workers if args.workers is not None else (4 if use_cuda else 0)
        loader = DataLoader(BatchImages(items, batches, mine, pack.preprocess, g.size), batch_size=None, shuffle=False, num_workers=workers, pin_memory=use_cuda)

        args.out.mkdir(parents=True, exist_ok=True)
        written: list[str] = []
        last_report = time.monotonic()
        total_mine = sum(len(batches[b]) for b in mine)
        with torch.no_grad():
            for index, pixels in loader:
                pre, post = embed(pack, pixels.to(device=device, dtype=dtype, non_blocking=True), args.dtype)
                for kind, tensor in (("pre", pre), ("post", post)):
                    if list(tensor.shape[1:]) != expected[kind]:
                        raise RuntimeError(f"{kind} tokens of shape {list(tensor.shape[1:])}, expected {expected[kind]} from the model's geometry")
                pre, post = pre.cpu(), post.cpu()
                for row, image_index in enumerate(batches[index]):
                    block_id = items[image_index].block_id
                    for kind, tensor in (("pre", pre), ("post", post)):
                        target = args.out / block_file(kind, block_id)
                        partial = target.with_name(target.name + PARTIAL_SUFFIX)
                        # Its own storage: a row of the batch would drag the whole batch along.
                        save_file({TENSOR_NAME: tensor[row].clone().contiguous()}, str(partial))
                        os.replace(partial, target)
                    copy_name = image_copy_name(block_id, items[image_index].path.suffix) if args.copy_images else None
                    if copy_name is not None:
                        write_atomically(args.out / copy_name, items[image_index].path.read_bytes())
                    written.append(block_id)
                if time.monotonic() - last_report > 60:
                    group.say(f"{len(written)}/{total_mine} images")
                    last_report = time.monotonic()

        record = {
            "format": SHARD_FORMAT,
            "formatVersion": FORMAT_VERSION,
            "run": run_id,
            "rank": group.rank,
            "world": group.world,
            "model": loaded.record,
            "dtype": args.dtype,
            "safetensorsDtype": SAFETENSORS_DTYPES[args.dtype],
            "device": torch.cuda.get_device_name(device) if use_cuda else "cpu",
            "batchSize": args.batch_size,
            "imageCopies": bool(args.copy_images),
            "shapes": expected,
            "count": len(written),
            "batches": mine,
            "repeatedBatchesSkipped": repeats,
            "ids": written,
            "preprocess": preprocess_dict(pack.preprocess, g.size),
            "idScheme": ID_SCHEME,
            "imagesFolder": str(args.images),
            "listingDigest": digests[0],
            "host": platform.node(),
            "versions": versions(),
        }
        write_json(args.out / shard_file(group.rank, group.world), record)
        group.say(f"wrote {len(written)} images ({len(mine)} batches; {repeats} repeated by the sampler, skipped) in {time.monotonic() - started:.1f} s")

        group.barrier()
        records = group.all_gather({k: v for k, v in record.items() if k != "ids"} | {"idCount": len(written)})
        if group.rank == 0:
            write_store(args, items, records, loaded.record, expected, run_id)
        group.barrier()
    finally:
        leave_group(group)
    return 0


def write_store(args: argparse.Namespace, items: list[ImageItem], records: list[dict[str, Any]], model: dict[str, Any], shapes: dict[str, list[int]], run_id: str) -> None:
    """store.json (and labels.csv), once every rank has written its blocks. Records gathered from
    every rank, so it is whole even when the other nodes' --out folders are not this one."""
    out: Path = args.out
    world = len(records)
    count = sum(int(r["idCount"]) for r in records)
    if count != len(items):
        raise StoreError(f"the ranks wrote {count} images, the folder has {len(items)}: a batch was lost or written twice")
    shards = [shard_file(r, world) for r in range(world)]
    missing = [name for name in shards if not (out / name).exists()]
    # The app names a block by its image copy when there is one, else by its id: labels.csv says the same.
    labelled: list[tuple[str, str, str]] = []
    for item in items:
        if item.label is not None:
            copy_name = image_copy_name(item.block_id, item.path.suffix) if args.copy_images else None
            labelled.append((copy_name or item.block_id, item.label, item.relative))
    if labelled:
        write_atomically(out / LABELS_FILE, labels_csv(labelled))
    store = {
        "format": STORE_FORMAT,
        "formatVersion": FORMAT_VERSION,
        "run": run_id,
        "model": model,
        "dtype": args.dtype,
        "safetensorsDtypes": {"pre": SAFETENSORS_DTYPES[args.dtype], "post": SAFETENSORS_DTYPES[args.dtype]},
        "count": count,
        "shapes": shapes,
        "tensor": TENSOR_NAME,
        "world": world,
        "shards": shards,
        # False when the other nodes wrote into their own --out folders: merge them with --merge.
        "complete": not missing,
        "missingShards": missing,
        "labels": LABELS_FILE if labelled else None,
        "imageCopies": bool(args.copy_images),
        "idScheme": ID_SCHEME,
        "imagesFolder": str(args.images),
        "preprocess": records[0]["preprocess"],
        "batchSize": args.batch_size,
        "versions": records[0]["versions"],
        "createdBy": "tools/extract_blocks.py",
    }
    write_json(out / STORE_FILE, store)
    where = "" if not missing else f"; {len(missing)} shard files are on other nodes' --out folders ({', '.join(missing[:3])}...): join them with --merge"
    print(f"wrote {out}/: {count} images, pre {shapes['pre']} and post {shapes['post']} {args.dtype} blocks, {STORE_FILE}{', ' + LABELS_FILE if labelled else ''}{where}", flush=True)
