"""Write a model pack: encoder.onnx, connector.onnx (and their side files) and manifest.json."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from .manifest import FILES, IO_NAMES, Geometry, Preprocess, Provenance, build_manifest, write_manifest
from .onnx_export import ExportOptions, export_module
from .rewrite import RewriteReport


@dataclass
class PackModel:
    """What a pack is made of. encoder: pixels [N, 3, S, S] -> pre tokens [N, T, d_v], exactly what
    the connector consumes; connector: the model's own, pre tokens -> post tokens [N, T', d_l]."""

    pack_id: str
    name: str
    description: str
    encoder: torch.nn.Module
    connector: torch.nn.Module
    geometry: Geometry
    preprocess: Preprocess
    provenance: Provenance
    # False where the encoder's graph depends on the batch size (Qwen2.5-VL): the app runs one
    # image at a time, so a batch of 1 is enough.
    dynamic_batch: bool = True


@dataclass(frozen=True)
class PackReport:
    folder: Path
    manifest: dict[str, Any]
    encoder: RewriteReport
    connector: RewriteReport


def check_shape(tensor: torch.Tensor, expected: tuple[int, ...], what: str) -> None:
    if tuple(tensor.shape) != expected:
        raise ValueError(f"{what}: expected shape {list(expected)}, got {list(tensor.shape)}")


def example_pixels(geometry: Geometry, batch: int, seed: int = 0) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(batch, 3, geometry.size, geometry.size, generator=generator)


def _remove_stale_side_files(folder: Path) -> None:
    # A side file from an earlier export into the same folder would be mistaken for this one's.
    for name in FILES.values():
        (folder / f"{name}_data").unlink(missing_ok=True)


def write_pack(model: PackModel, out: Path, options: ExportOptions) -> PackReport:
    g = model.geometry
    manifest = build_manifest(model.pack_id, model.name, model.description, g, model.preprocess, model.provenance)
    out.mkdir(parents=True, exist_ok=True)
    _remove_stale_side_files(out)
    model.encoder.eval()
    model.connector.eval()
    # Trace with two images where the batch is symbolic, so no size-1 special case gets baked in.
    batch = 2 if model.dynamic_batch else 1
    pixels = example_pixels(g, batch)
    with torch.no_grad():
        pre = model.encoder(pixels)
        check_shape(pre, (batch, g.pre, g.d_pre), "encoder output (pre tokens)")
        post = model.connector(pre)
        check_shape(post, (batch, g.post, g.d_post), "connector output (post tokens)")
    encoder = export_module(model.encoder, pixels, IO_NAMES["encoderInput"], IO_NAMES["encoderOutput"], out / FILES["encoder"], (g.pre, g.d_pre), options, model.dynamic_batch)
    connector = export_module(model.connector, pre, IO_NAMES["connectorInput"], IO_NAMES["connectorOutput"], out / FILES["connector"], (g.post, g.d_post), options, model.dynamic_batch)
    write_manifest(out, manifest)
    return PackReport(out, manifest, encoder, connector)
