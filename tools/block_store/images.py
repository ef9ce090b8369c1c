"""Which images a run embeds, what each one's block id is, its label, and its pixels.

Ids come from paths, not from positions in the listing: an image keeps its id when others are
added or removed, so runs on different machines over different parts of a folder can be merged,
and the same image embedded twice is recognised as the same block.

Pixels are made the way the app makes them for a pack (src/core/image/preprocess.ts, itself
checked against transformers' CLIP image processor): EXIF orientation applied (the browser does
it), alpha dropped with PIL's convert('RGB'), resized with the manifest's Pillow filter (shortest
edge, the long side truncated), centre-cropped, rescaled and normalised in float64, then float32.
So a block written here is the block the app would compute from the same file with the same pack.
"""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import numpy as np
from PIL import Image, ImageOps

from pack_export.manifest import Preprocess, preprocess_fields

from .store import PATH_SEPARATOR, block_id_of

# What Pillow reads and what people keep image sets in; matched case-insensitively.
IMAGE_EXTENSIONS = frozenset({".png", ".jpg", ".jpeg", ".webp", ".bmp", ".gif", ".tif", ".tiff"})
_RESAMPLING = getattr(Image, "Resampling", Image)  # Pillow >= 9.1 names filters there
PIL_FILTERS = {"nearest": _RESAMPLING.NEAREST, "bilinear": _RESAMPLING.BILINEAR, "bicubic": _RESAMPLING.BICUBIC}


class ImageSetError(ValueError):
    """A problem with the images folder that the user must fix; the message says how."""


@dataclass(frozen=True)
class ImageItem:
    index: int
    path: Path
    relative: str  # POSIX path relative to the images folder
    block_id: str
    label: Optional[str]  # the first sub-folder's name; None for images at the top level


def list_images(folder: Path) -> list[ImageItem]:
    """Every image under `folder`, recursively, sorted by relative path (the same order on every
    rank and machine). Hidden files and folders (".name") are skipped."""
    if not folder.exists():
        raise ImageSetError(f"--images {folder}: no such folder")
    if not folder.is_dir():
        raise ImageSetError(f"--images {folder}: not a folder (give the folder that holds the images)")
    found: list[str] = []
    for directory, subdirs, files in os.walk(folder):
        subdirs[:] = [d for d in subdirs if not d.startswith(".")]
        for name in files:
            if name.startswith(".") or Path(name).suffix.lower() not in IMAGE_EXTENSIONS:
                continue
            found.append(Path(directory, name).relative_to(folder).as_posix())
    if not found:
        raise ImageSetError(f"--images {folder}: no images found (looked recursively for {', '.join(sorted(IMAGE_EXTENSIONS))})")
    found.sort()
    items: list[ImageItem] = []
    by_id: dict[str, str] = {}
    clashes: list[str] = []
    for index, relative in enumerate(found):
        block_id = block_id_of(relative)
        if block_id in by_id:
            clashes.append(f"{by_id[block_id]} and {relative} (both {block_id!r})")
        by_id[block_id] = relative
        label = relative.split("/", 1)[0] if "/" in relative else None
        items.append(ImageItem(index, folder / relative, relative, block_id, label))
    if clashes:
        shown = "; ".join(clashes[:5]) + (f"; and {len(clashes) - 5} more" if len(clashes) > 5 else "")
        raise ImageSetError(f"--images {folder}: these images would get the same block id: {shown}. Rename one of each pair (ids drop the extension and write '/' as '{PATH_SEPARATOR}').")
    return items


def listing_digest(items: list[ImageItem]) -> str:
    """A digest of the listing, so ranks on different machines can check they see the same images."""
    h = hashlib.sha256()
    for item in items:
        h.update(item.relative.encode("utf-8") + b"\0")
    return h.hexdigest()


def resized_size(width: int, height: int, preprocess: Preprocess, size: int) -> tuple[int, int]:
    """[width, height] before the crop; the long side is truncated, as HF's get_resize_output_image_size."""
    if preprocess.resize == "stretch":
        return size, size
    if width <= height:
        return size, int(size * height / width)
    return int(size * width / height), size


def load_pixels(path: Path, preprocess: Preprocess, size: int) -> np.ndarray:
    """One image as the app feeds it to a pack's encoder: float32 [3, size, size], normalised."""
    try:
        with Image.open(path) as opened:
            rgb = ImageOps.exif_transpose(opened).convert("RGB")
    except (OSError, ValueError, Image.DecompressionBombError) as error:
        raise ImageSetError(f"{path}: cannot be read as an image ({error})") from error
    width, height = rgb.size
    rw, rh = resized_size(width, height, preprocess, size)
    if preprocess.crop == "none" and (rw, rh) != (size, size):
        raise ImageSetError(f"{path}: preprocessing without a crop needs a square resize, got {rw} x {rh}")
    if (rw, rh) != (width, height):
        rgb = rgb.resize((rw, rh), PIL_FILTERS[preprocess.resample])
    top, left = (rh - size) // 2, (rw - size) // 2
    array = np.asarray(rgb, dtype=np.uint8)[top : top + size, left : left + size]
    mean = np.asarray(preprocess.mean, dtype=np.float64)
    std = np.asarray(preprocess.std, dtype=np.float64)
    normalised = (array.astype(np.float64) * preprocess.rescale - mean) / std
    return np.ascontiguousarray(normalised.astype(np.float32).transpose(2, 0, 1))


def preprocess_dict(preprocess: Preprocess, size: int) -> dict[str, object]:
    """The preprocessing as the pack manifest writes it, for the store's records."""
    return {
        "size": size,
        **preprocess_fields(preprocess),
        "exifOrientation": True,
        "alpha": "dropped (PIL convert('RGB'))",
    }
