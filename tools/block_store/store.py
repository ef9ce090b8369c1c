"""The block store on disk: file names, the records beside the blocks, and merging stores.

A store is a folder of
    pre-block-<id>.safetensors    one tensor "block" [tokens, dim]: the connector's input
    post-block-<id>.safetensors   one tensor "block" [tokens', dim']: the connector's output
    shard-<rank>-of-<world>.json  per process: the ids it wrote, model, dtype, shapes, versions
    store.json                    written last by rank 0: model, count, shapes, dtype, shards
    labels.csv                    file, label, path; when images sat in sub-folders
    <id>.<ext>                    with --copy-images: the image itself, which the app shows

This module needs neither torch nor safetensors: merging reads the safetensors headers itself
(8-byte little-endian length, then JSON), so stores can be joined on a machine without PyTorch.
"""
from __future__ import annotations

import csv
import filecmp
import io
import json
import os
import re
import shutil
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Optional

STORE_FORMAT = "connector-lens-block-store"
SHARD_FORMAT = "connector-lens-block-shard"
FORMAT_VERSION = 1
TENSOR_NAME = "block"
STORE_FILE = "store.json"
LABELS_FILE = "labels.csv"
BLOCK_FILE = re.compile(r"^(pre|post)-block-(.+)\.safetensors$")
SHARD_FILE = re.compile(r"^shard-(\d+)-of-(\d+)\.json$")
PARTIAL_SUFFIX = ".partial"
# Images the app shows beside a block (src/core/blockstore/blockStore.ts IMAGE_EXTENSIONS).
APP_IMAGE_EXTENSIONS = ("png", "jpg", "jpeg", "gif", "webp", "bmp")


# "cats/tabby/01.png" -> "cats~tabby~01": "~" is legal in file names everywhere and rare in them.
PATH_SEPARATOR = "~"
# Characters Windows refuses in file names (and control characters) become "_", so a store made
# on Linux can be copied anywhere.
_UNSAFE = set('\\:*?"<>|') | {chr(c) for c in range(32)} | {chr(127)}


def block_id_of(relative: str) -> str:
    """The id of an image from its path relative to --images (POSIX): extension dropped, "/" -> "~",
    unsafe characters -> "_". From the path, not the listing's order: an image keeps its id when
    others come or go, so stores made apart can be merged."""
    stem = relative.rsplit(".", 1)[0] if "." in relative.rsplit("/", 1)[-1] else relative
    return "".join("_" if ch in _UNSAFE else ch for ch in stem.replace("/", PATH_SEPARATOR))


class StoreError(ValueError):
    """A store that cannot be written or merged as asked; the message says what to do."""


def block_file(kind: str, block_id: str) -> str:
    return f"{kind}-block-{block_id}.safetensors"


def shard_file(rank: int, world: int) -> str:
    return f"shard-{rank}-of-{world}.json"


def is_store_file(name: str) -> bool:
    """Files a run writes: a folder holding any of these already holds (part of) a store."""
    return bool(BLOCK_FILE.match(name) or SHARD_FILE.match(name)) or name == STORE_FILE or name.endswith(PARTIAL_SUFFIX)


def check_out_folder(out: Path, what: str = "--out") -> None:
    """Refuse a folder that already holds blocks: mixing two runs' blocks would make a store whose
    blocks come from different models or images with nothing to tell them apart."""
    if out.exists() and not out.is_dir():
        raise StoreError(f"{what} {out}: exists and is not a folder")
    if not out.exists():
        return
    found = sorted(p.name for p in out.iterdir() if is_store_file(p.name))
    if found:
        shown = ", ".join(found[:3]) + (f" and {len(found) - 3} more" if len(found) > 3 else "")
        raise StoreError(f"{what} {out}: already holds block-store files ({shown}). Choose an empty folder, or delete those files first; to join stores use --merge.")


def write_atomically(path: Path, data: bytes) -> None:
    """Write under a temporary name, then rename: a crash never leaves a truncated file under a
    block's name, which the app would otherwise read as a (broken) block."""
    partial = path.with_name(path.name + PARTIAL_SUFFIX)
    partial.write_bytes(data)
    os.replace(partial, path)


def write_json(path: Path, value: Any) -> None:
    write_atomically(path, (json.dumps(value, indent=2, sort_keys=False) + "\n").encode("utf-8"))


def labels_csv(rows: Iterable[tuple[str, str, str]]) -> bytes:
    """file,label,path. "file" is what the app names the block, which its label matching (by name)
    looks for: the image's copy "<id>.<ext>" beside the blocks, or the block id where there is
    none. "path" is the image's path relative to --images."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["file", "label", "path"])
    for row in rows:
        writer.writerow(row)
    return buffer.getvalue().encode("utf-8")


def read_labels(path: Path) -> dict[str, tuple[str, str]]:
    """labels.csv as written by labels_csv: block id -> (label, path). The id comes from the path
    column, so rows for blocks kept in another folder (rank 0 labels every image of a run) are
    read the same as this folder's."""
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    if not rows or rows[0] != ["file", "label", "path"]:
        raise StoreError(f"{path}: not a labels file written by tools/extract_blocks.py (expected the header file,label,path)")
    labels: dict[str, tuple[str, str]] = {}
    for line, row in enumerate(rows[1:], start=2):
        if len(row) != 3:
            raise StoreError(f"{path} line {line}: expected 3 fields (file, label, path), found {len(row)}")
        labels[block_id_of(row[2])] = (row[1], row[2])
    return labels


def image_copy_name(block_id: str, suffix: str) -> Optional[str]:
    """The name of an image's copy beside its blocks, "<id>.<ext>", for formats the app shows; else None."""
    return f"{block_id}{suffix}" if suffix[1:].lower() in APP_IMAGE_EXTENSIONS else None


def image_copies(folder: Path, ids: Iterable[str]) -> dict[str, Path]:
    """Block id -> its image copy "<id>.<ext>" in the folder, for the extensions the app shows."""
    known = set(ids)
    found: dict[str, Path] = {}
    for path in sorted(folder.iterdir()):
        stem, dot, ext = path.name.rpartition(".")
        if dot and stem in known and ext.lower() in APP_IMAGE_EXTENSIONS:
            found.setdefault(stem, path)
    return found


def safetensors_header(path: Path) -> dict[str, Any]:
    """The JSON header of a safetensors file (its tensors' dtypes, shapes and offsets)."""
    with path.open("rb") as handle:
        head = handle.read(8)
        if len(head) != 8:
            raise StoreError(f"{path}: too short for a safetensors file")
        (length,) = struct.unpack("<Q", head)
        if length > path.stat().st_size - 8:
            raise StoreError(f"{path}: its header length ({length} bytes) runs past the end of the file")
        try:
            header = json.loads(handle.read(length))
        except ValueError as error:
            raise StoreError(f"{path}: the safetensors header is not JSON ({error})") from error
    if not isinstance(header, dict):
        raise StoreError(f"{path}: the safetensors header is not a JSON object")
    return header


def block_spec(path: Path) -> tuple[str, tuple[int, ...]]:
    """(dtype, shape) of the one tensor "block" in a block file; anything else is refused."""
    header = safetensors_header(path)
    tensors = {k: v for k, v in header.items() if k != "__metadata__"}
    if list(tensors) != [TENSOR_NAME]:
        raise StoreError(f"{path}: a block file holds one tensor named {TENSOR_NAME!r}, this one holds {sorted(tensors)}")
    info = tensors[TENSOR_NAME]
    return str(info["dtype"]), tuple(int(d) for d in info["shape"])


# ----------------------------------------------------------------------------------- merging


@dataclass
class SourceStore:
    folder: Path
    blocks: dict[str, dict[str, Path]] = field(default_factory=dict)  # id -> {"pre": path, "post": path}
    store: Optional[dict[str, Any]] = None
    shards: list[dict[str, Any]] = field(default_factory=list)
    labels: dict[str, tuple[str, str]] = field(default_factory=dict)
    images: dict[str, Path] = field(default_factory=dict)  # id -> its image copy


def _read_record(path: Path) -> dict[str, Any]:
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as error:
        raise StoreError(f"{path}: not a JSON record ({error}); remove it or write it again") from error
    if not isinstance(record, dict):
        raise StoreError(f"{path}: not a JSON object")
    return record


def read_source(folder: Path) -> SourceStore:
    if not folder.is_dir():
        raise StoreError(f"--merge {folder}: no such folder")
    source = SourceStore(folder)
    labels_file: Optional[Path] = None
    for path in sorted(folder.iterdir()):
        match = BLOCK_FILE.match(path.name)
        if match:
            source.blocks.setdefault(match.group(2), {})[match.group(1)] = path
        elif SHARD_FILE.match(path.name):
            source.shards.append(_read_record(path))
        elif path.name == STORE_FILE:
            source.store = _read_record(path)
        elif path.name == LABELS_FILE:
            labels_file = path
    if not source.blocks:
        raise StoreError(f"--merge {folder}: holds no pre-block-*/post-block-*.safetensors files")
    for block_id, pair in source.blocks.items():
        for kind in ("pre", "post"):
            if kind not in pair:
                other = "post" if kind == "pre" else "pre"
                raise StoreError(f"--merge {folder}: {block_file(other, block_id)} has no {block_file(kind, block_id)} beside it")
    if labels_file is not None:
        source.labels = read_labels(labels_file)
    source.images = image_copies(folder, source.blocks)
    return source


def _identity(record: dict[str, Any]) -> tuple[str, str]:
    """What must agree between stores that are merged: the model and the dtype."""
    return json.dumps(record.get("model"), sort_keys=True), str(record.get("dtype"))


def _without_ids(shard: dict[str, Any]) -> dict[str, Any]:
    """A shard record for the merged store.json: its id list (one line per image) becomes a count."""
    kept = {k: v for k, v in shard.items() if k != "ids"}
    kept["idCount"] = len(shard.get("ids", []))
    return kept


def merge_stores(sources: list[Path], out: Path, log: Any = print) -> dict[str, Any]:
    """Join several stores (e.g. the output folders of different machines) into `out`.

    Blocks are copied; an id found in several sources is taken once when its files are identical
    byte for byte and refused when they differ. Shapes and dtypes must agree across all blocks,
    and the model and dtype recorded by the sources' shard and store records must agree too."""
    resolved = [s.resolve() for s in sources]
    if out.resolve() in resolved:
        raise StoreError(f"--out {out}: is one of the folders being merged; merge into a new folder")
    check_out_folder(out)
    stores = [read_source(folder) for folder in sources]

    identities: dict[tuple[str, str], str] = {}
    for store in stores:
        for record in ([store.store] if store.store else []) + store.shards:
            identities.setdefault(_identity(record), str(store.folder))
    if len(identities) > 1:
        described = "; ".join(f"{folder}: model {ident[0]}, dtype {ident[1]}" for ident, folder in identities.items())
        raise StoreError(f"the stores were made by different models or dtypes and are not merged: {described}")

    chosen: dict[str, dict[str, Path]] = {}
    images: dict[str, Path] = {}
    for store in stores:
        for block_id, image in store.images.items():
            images.setdefault(block_id, image)
        for block_id, pair in store.blocks.items():
            if block_id not in chosen:
                chosen[block_id] = pair
                continue
            for kind in ("pre", "post"):
                if not filecmp.cmp(chosen[block_id][kind], pair[kind], shallow=False):
                    raise StoreError(f"block id {block_id!r} is in more than one store with different bytes: {chosen[block_id][kind]} and {pair[kind]}. Nothing was merged into {out}.")

    specs: dict[str, dict[tuple[str, tuple[int, ...]], str]] = {"pre": {}, "post": {}}
    for block_id, pair in chosen.items():
        for kind in ("pre", "post"):
            specs[kind].setdefault(block_spec(pair[kind]), str(pair[kind]))
    for kind, found in specs.items():
        if len(found) > 1:
            described = "; ".join(f"{dtype} {list(shape)} (e.g. {example})" for (dtype, shape), example in found.items())
            raise StoreError(f"{kind} blocks of different dtypes or shapes cannot make one store: {described}")

    labels: dict[str, tuple[str, str]] = {}
    for store in stores:
        for block_id, row in store.labels.items():
            if block_id in labels and labels[block_id][0] != row[0]:
                raise StoreError(f"block id {block_id!r} has label {labels[block_id][0]!r} in one store and {row[0]!r} in {store.folder / LABELS_FILE}")
            labels.setdefault(block_id, row)
    # Rank 0 labels every image of its run; rows for blocks none of the folders holds are dropped.
    labels = {block_id: row for block_id, row in labels.items() if block_id in chosen}

    # Runs whose shards are not all here leave blocks out: say so rather than claim a whole store.
    runs: dict[str, dict[str, Any]] = {}
    for store in stores:
        for shard in store.shards:
            run = runs.setdefault(str(shard.get("run")), {"world": shard.get("world"), "ranks": set()})
            run["ranks"].add(shard.get("rank"))
    missing = [f"run {run_id}: {shard_file(r, info['world'])}" for run_id, info in runs.items() if isinstance(info["world"], int) for r in range(info["world"]) if r not in info["ranks"]]
    for line in missing:
        log(f"warning: {line} is in none of the merged folders; that process's blocks may be missing")

    out.mkdir(parents=True, exist_ok=True)
    for block_id in sorted(chosen):
        copies = [(chosen[block_id][kind], out / block_file(kind, block_id)) for kind in ("pre", "post")]
        if block_id in images:
            copies.append((images[block_id], out / images[block_id].name))
        for source_path, target in copies:
            partial = target.with_name(target.name + PARTIAL_SUFFIX)
            shutil.copyfile(source_path, partial)
            os.replace(partial, target)
    if labels:
        shown = lambda block_id: images[block_id].name if block_id in images else block_id  # noqa: E731 - the app's name for the block
        write_atomically(out / LABELS_FILE, labels_csv((shown(i), labels[i][0], labels[i][1]) for i in sorted(labels)))
    (pre_dtype, pre_shape), = specs["pre"]
    (post_dtype, post_shape), = specs["post"]
    first = next((r for s in stores for r in ([s.store] if s.store else []) + s.shards), {})
    record = {
        "format": STORE_FORMAT,
        "formatVersion": FORMAT_VERSION,
        "model": first.get("model"),
        "dtype": first.get("dtype", pre_dtype),
        "count": len(chosen),
        "shapes": {"pre": list(pre_shape), "post": list(post_shape)},
        "safetensorsDtypes": {"pre": pre_dtype, "post": post_dtype},
        "tensor": TENSOR_NAME,
        "labels": LABELS_FILE if labels else None,
        "imageCopies": len([i for i in chosen if i in images]),
        "shards": [],
        "complete": not missing,
        "missingShards": missing,
        "mergedFrom": [
            {"folder": str(s.folder), "blocks": len(s.blocks), "store": s.store, "shards": [_without_ids(r) for r in sorted(s.shards, key=lambda r: (str(r.get("run")), r.get("rank", 0)))]}
            for s in stores
        ],
        "createdBy": "tools/extract_blocks.py --merge",
    }
    write_json(out / STORE_FILE, record)
    return record
