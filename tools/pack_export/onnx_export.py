"""torch.nn.Module -> one ONNX file of a pack, with the pack's tensor names and a symbolic batch."""
from __future__ import annotations

import inspect
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional, Union

import torch

from .rewrite import RewriteReport, rewrite_model

# The built-in packs use opset 17, and onnxruntime-web's WASM backend runs all of it;
# LayerNormalization is a single op from 17 on.
OPSET = 17


@dataclass(frozen=True)
class ExportOptions:
    float16: bool = False
    # Weights above this many bytes go to a side file; None: never.
    external_above_bytes: Optional[int] = 1536 * 1024 * 1024


def _export_kwargs() -> dict[str, Any]:
    # torch >= 2.5 also has a dynamo-based exporter (the default from 2.9); the TorchScript one
    # is the one this tool is written and tested for.
    if "dynamo" in inspect.signature(torch.onnx.export).parameters:
        return {"dynamo": False}
    return {}


def export_module(
    module: torch.nn.Module,
    example: torch.Tensor,
    input_name: str,
    output_name: str,
    target: Path,
    output_dims: tuple[int, ...],
    options: ExportOptions,
    dynamic_batch: bool = True,
) -> RewriteReport:
    """Trace `module` on `example` and write `target` (plus `<target>_data` when external).

    output_dims: the output's shape without the batch; declared in the graph as the pack knows it."""
    module.eval()
    dynamic_axes = {input_name: {0: "batch"}, output_name: {0: "batch"}} if dynamic_batch else None
    with tempfile.TemporaryDirectory(prefix="pack-export-") as tmp:
        # A path, not a buffer: past 2 GB torch must write weights next to the model file.
        raw = Path(tmp) / "model.onnx"
        with torch.no_grad(), warnings.catch_warnings():
            # Tracer warnings about Python values baked into the graph are expected: the pack has
            # one fixed image size.
            warnings.simplefilter("ignore", torch.jit.TracerWarning)
            torch.onnx.export(
                module,
                (example,),
                str(raw),
                input_names=[input_name],
                output_names=[output_name],
                dynamic_axes=dynamic_axes,
                opset_version=OPSET,
                do_constant_folding=True,
                **_export_kwargs(),
            )
        batch: Union[int, str] = "batch" if dynamic_batch else int(example.shape[0])
        shapes = {input_name: [batch, *example.shape[1:]], output_name: [batch, *output_dims]}
        return rewrite_model(raw, target, float16=options.float16, external_above_bytes=options.external_above_bytes, shapes=shapes)
