"""manifest.json of a model pack, as docs/model-pack.md describes it.

The geometry rules are checked here too, so a wrong pack fails at export with the same wording
the app would use when opening it, instead of in the user's browser.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Optional

from .connectors import CONNECTOR_FAMILIES

# A connector family's id: a key of CONNECTOR_FAMILIES (one module per family in connectors/).
Family = str
Resample = Literal["bicubic", "bilinear", "nearest"]

IO_NAMES = {"encoderInput": "pixel_values", "encoderOutput": "pre_tokens", "connectorInput": "pre_tokens", "connectorOutput": "post_tokens"}
FILES = {"encoder": "encoder.onnx", "connector": "connector.onnx"}

# Pillow's filter numbers, which HF image processors store as `resample`.
PIL_RESAMPLE: dict[int, Resample] = {0: "nearest", 2: "bilinear", 3: "bicubic"}


@dataclass(frozen=True)
class Preprocess:
    resize: Literal["shortest-edge", "stretch"]
    crop: Literal["center", "none"]
    resample: Resample
    rescale: float
    mean: tuple[float, float, float]
    std: tuple[float, float, float]


@dataclass(frozen=True)
class Geometry:
    size: int
    patch_size: int
    d_pre: int
    d_post: int
    family: Family
    # The family's size (its manifest field: mergeSize, scale, queries); None for mlp.
    parameter: Optional[int] = None

    @property
    def grid(self) -> tuple[int, int]:
        side = self.size // self.patch_size
        return side, side

    @property
    def pre(self) -> int:
        rows, cols = self.grid
        return rows * cols

    @property
    def post(self) -> int:
        return CONNECTOR_FAMILIES[self.family].post_tokens(self.pre, self.parameter)

    def connector(self) -> dict[str, Any]:
        key = CONNECTOR_FAMILIES[self.family].parameter
        return {"family": self.family} if key is None else {"family": self.family, key: self.parameter}


@dataclass(frozen=True)
class Provenance:
    source: Literal["synthetic", "pretrained", "trained"]
    license: str
    origin: str
    seed: Optional[int] = None


def geometry_errors(g: Geometry) -> list[str]:
    errors: list[str] = []
    if g.size % g.patch_size != 0:
        errors.append(f"image.size: expected a multiple of image.patchSize {g.patch_size}, got {g.size}")
    family = CONNECTOR_FAMILIES.get(g.family)
    if family is None:
        errors.append(f"connector: unknown family {g.family!r} (expected one of {', '.join(CONNECTOR_FAMILIES)})")
    elif family.parameter is not None and (g.parameter is None or g.parameter <= 0):
        errors.append(f"connector: a {g.family} connector needs a positive size parameter, got {g.parameter}")
    elif family.parameter is not None:
        assert g.parameter is not None
        errors.extend(family.size_errors(g.parameter, g.grid[0]))
    return errors


def preprocess_fields(preprocess: Preprocess) -> dict[str, Any]:
    """The manifest's `preprocess` object (docs/model-pack.md); block stores record the same fields."""
    return {
        "resize": preprocess.resize,
        "crop": preprocess.crop,
        "resample": preprocess.resample,
        "rescale": preprocess.rescale,
        "mean": list(preprocess.mean),
        "std": list(preprocess.std),
    }


def build_manifest(pack_id: str, name: str, description: str, geometry: Geometry, preprocess: Preprocess, provenance: Provenance) -> dict[str, Any]:
    errors = geometry_errors(geometry)
    if errors:
        raise ValueError("; ".join(errors))
    weights: dict[str, Any] = {
        "source": provenance.source,
        "synthetic": provenance.source == "synthetic",
        "license": provenance.license,
        "origin": provenance.origin,
    }
    if provenance.seed is not None:
        weights["seed"] = provenance.seed
    return {
        "formatVersion": 1,
        "id": pack_id,
        "name": name,
        "description": description,
        "image": {"size": geometry.size, "patchSize": geometry.patch_size, "grid": list(geometry.grid)},
        "tokens": {"pre": geometry.pre, "post": geometry.post, "dPre": geometry.d_pre, "dPost": geometry.d_post},
        "connector": geometry.connector(),
        "preprocess": preprocess_fields(preprocess),
        "files": dict(FILES),
        "io": dict(IO_NAMES),
        "weights": weights,
    }


def write_manifest(folder: Path, manifest: dict[str, Any]) -> Path:
    path = folder / "manifest.json"
    path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return path
