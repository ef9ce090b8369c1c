"""Pieces every model family uses: the connector as-is, capturing a module's input and output the
way the paper's hooks do, the self-check, and reading an HF image processor's settings."""
from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Optional

import torch

from ..manifest import PIL_RESAMPLE, Preprocess, Resample


class Connector(torch.nn.Module):
    """The model's own connector module, called on the pre tokens alone."""

    def __init__(self, module: torch.nn.Module) -> None:
        super().__init__()
        self.module = module

    def forward(self, pre_tokens: torch.Tensor) -> torch.Tensor:
        return self.module(pre_tokens)


def first_tensor(output: Any) -> torch.Tensor:
    """The main tensor of a module's output: a tensor, a ModelOutput or a tuple."""
    if isinstance(output, torch.Tensor):
        return output
    last = getattr(output, "last_hidden_state", None)
    if isinstance(last, torch.Tensor):
        return last
    return output[0]


@dataclass
class Call:
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    output: Any

    def input(self, keyword: str) -> torch.Tensor:
        """The first positional argument, or the keyword one when the caller named it."""
        return self.args[0] if self.args else self.kwargs[keyword]


@contextlib.contextmanager
def capture_calls(module: torch.nn.Module) -> Iterator[list[Call]]:
    """Record every call of `module` (what the paper's forward hooks see). Wrapping forward, not a
    hook: hooks in torch < 2.0 do not see keyword arguments."""
    calls: list[Call] = []
    original = module.forward

    def forward(*args: Any, **kwargs: Any) -> Any:
        output = original(*args, **kwargs)
        calls.append(Call(args, kwargs, output))
        return output

    module.forward = forward  # type: ignore[method-assign]
    try:
        yield calls
    finally:
        del module.forward


def max_abs_diff(a: torch.Tensor, b: torch.Tensor, what: str) -> float:
    if a.shape != b.shape:
        raise ValueError(f"self-check, {what}: the model's own path gives shape {list(b.shape)}, the pack's {list(a.shape)}")
    return float((a.float() - b.float()).abs().max())


def self_check(ours: tuple[torch.Tensor, torch.Tensor], theirs: tuple[torch.Tensor, torch.Tensor], tolerance: float = 1e-4) -> tuple[float, float]:
    """Compare the pack's modules with the model's own image path (connector input, output).

    Relative to the outputs' magnitude: real models' activations reach the hundreds."""
    diffs = []
    for what, a, b in (("pre tokens", ours[0], theirs[0]), ("post tokens", ours[1], theirs[1])):
        diff = max_abs_diff(a, b, what)
        scale = max(1.0, float(b.abs().max()))
        if not diff <= tolerance * scale:
            raise ValueError(f"self-check failed: {what} differ from the model's own image path by {diff:.3g} (scale {scale:.3g}); the export would not reproduce the model")
        diffs.append(diff)
    return diffs[0], diffs[1]


def check_pack(
    encoder: torch.nn.Module,
    connector: torch.nn.Module,
    pixels: torch.Tensor,
    own_io: Callable[[torch.Tensor], tuple[torch.Tensor, torch.Tensor]],
    warn: Callable[[str], None],
    check_pre: Optional[Callable[[torch.Tensor], None]] = None,
) -> None:
    """The pack's two modules on `pixels` against the model's own image path (`own_io`: its
    connector's input and output for the same pixels), through self_check, the differences said.
    `check_pre` may refuse the pre tokens first, with a clearer message than a shape mismatch."""
    with torch.no_grad():
        pre = encoder(pixels)
        if check_pre is not None:
            check_pre(pre)
        diffs = self_check((pre, connector(pre)), own_io(pixels))
    warn(f"self-check against the model's own image path: max |diff| pre {diffs[0]:.2e}, post {diffs[1]:.2e}")


def _resample_name(value: Any) -> Optional[Resample]:
    try:
        return PIL_RESAMPLE.get(int(value))
    except (TypeError, ValueError):
        # torchvision's InterpolationMode (fast processors) is a string enum.
        name = str(getattr(value, "value", value)).lower()
        for candidate in ("bicubic", "bilinear", "nearest"):
            if candidate in name:
                return candidate  # type: ignore[return-value]
    return None


def preprocess_from_processor(processor: Any, fallback: Preprocess, warn: Callable[[str], None]) -> Preprocess:
    """The processor's resample filter, rescale factor, mean and std; resize and crop as the pack
    format allows (square input: shortest edge, then centre crop)."""
    if processor is None:
        warn("no image processor could be loaded; using the family's documented defaults")
        return fallback
    resample = _resample_name(getattr(processor, "resample", None))
    if resample is None:
        warn(f"image processor resample {getattr(processor, 'resample', None)!r} is not one the app implements; using {fallback.resample}")
        resample = fallback.resample
    mean = tuple(float(v) for v in getattr(processor, "image_mean", fallback.mean))
    std = tuple(float(v) for v in getattr(processor, "image_std", fallback.std))
    if len(mean) != 3 or len(std) != 3:
        warn("image processor mean/std are not per-RGB-channel; using the family's defaults")
        mean, std = fallback.mean, fallback.std
    rescale = float(getattr(processor, "rescale_factor", fallback.rescale))
    return Preprocess(fallback.resize, fallback.crop, resample, rescale, mean, std)  # type: ignore[arg-type]


def load_image_processor(model_id: str, revision: Optional[str], warn: Callable[[str], None]) -> Any:
    from transformers import AutoImageProcessor  # lazy: only real models need transformers

    try:
        # The slow processors keep Pillow's filter numbers, which the manifest names.
        return AutoImageProcessor.from_pretrained(model_id, revision=revision, use_fast=False)
    except Exception as error:  # noqa: BLE001 - any failure falls back to documented defaults
        warn(f"could not load the image processor ({error})")
        return None


def pack_id_of(model_id: str) -> str:
    """"llava-hf/llava-1.5-7b-hf" -> "llava-1.5-7b-hf" (a local folder's name likewise)."""
    return model_id.rstrip("/").split("/")[-1].lower()


def load_model(model_class: Any, model_id: str, revision: Optional[str]) -> Any:
    """The model in its checkpoint's dtype with eager attention (the one that exports cleanly)."""
    kwargs: dict[str, Any] = {"revision": revision, "torch_dtype": "auto", "low_cpu_mem_usage": True}
    try:
        model = model_class.from_pretrained(model_id, attn_implementation="eager", **kwargs)
    except TypeError:  # transformers before attn_implementation
        model = model_class.from_pretrained(model_id, **kwargs)
    return model.eval()
