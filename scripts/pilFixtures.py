#!/usr/bin/env python3
"""
Reference fixtures for src/core/image (resample.ts, preprocess.ts), made with the real Pillow and
Hugging Face CLIP image processor so the TypeScript ports are checked against them, not against
themselves. The fixtures are committed; CI does not need Python.

    python3 -m venv /tmp/pilenv && /tmp/pilenv/bin/pip install pillow numpy transformers
    /tmp/pilenv/bin/python scripts/pilFixtures.py            # writes tests/core/fixtures/*.json
    /tmp/pilenv/bin/python scripts/pilFixtures.py --stress 2000 --out /tmp/pil-stress.json

--stress N writes only N random resize cases (no HF) to --out, for a larger one-off comparison
(tests/core/resample.test.ts runs it when PIL_STRESS names that file).
Everything is seeded: the same versions give the same bytes.
"""
import argparse
import base64
import json
import os
import sys

import numpy as np
from PIL import Image

FILTERS = {"nearest": Image.Resampling.NEAREST, "bilinear": Image.Resampling.BILINEAR, "bicubic": Image.Resampling.BICUBIC}


def b64(a: np.ndarray) -> str:
    return base64.b64encode(np.ascontiguousarray(a).tobytes()).decode("ascii")


def pattern(rng: np.random.Generator, h: int, w: int, c: int) -> np.ndarray:
    """Noise, a gradient, hard edges or extremes: cases where rounding and clamping matter."""
    kind = rng.integers(0, 4)
    if kind == 0:
        return rng.integers(0, 256, size=(h, w, c), dtype=np.uint8)
    if kind == 1:
        y, x = np.mgrid[0:h, 0:w]
        base = (x * 255 // max(w - 1, 1) + y * 37) % 256
        return np.stack([(base + 80 * k) % 256 for k in range(c)], axis=-1).astype(np.uint8)
    if kind == 2:
        return (rng.integers(0, 2, size=(h, w, c)) * 255).astype(np.uint8)
    img = rng.integers(0, 256, size=(h, w, c), dtype=np.uint8)
    img[::2, ::3] = 0
    img[1::3, ::2] = 255
    return img


def resize_cases(rng: np.random.Generator, count: int, max_in: int, max_out: int) -> list:
    cases = []
    for i in range(count):
        mode = "RGBA" if i % 4 == 3 else "RGB"
        c = 4 if mode == "RGBA" else 3
        w, h = int(rng.integers(1, max_in + 1)), int(rng.integers(1, max_in + 1))
        ow, oh = int(rng.integers(1, max_out + 1)), int(rng.integers(1, max_out + 1))
        if i % 5 == 0:  # keep one side: Pillow skips that pass
            oh = h
        name = list(FILTERS)[i % 3]
        src = pattern(rng, h, w, c)
        if mode == "RGBA" and i % 8 == 3:
            src[..., 3] = rng.choice([0, 1, 128, 254, 255], size=(h, w))
        out = np.array(Image.fromarray(src, mode).resize((ow, oh), FILTERS[name]))
        cases.append({"mode": mode, "filter": name, "width": w, "height": h, "outWidth": ow, "outHeight": oh, "src": b64(src), "out": b64(out)})
    return cases


def hf_cases(rng: np.random.Generator) -> list:
    # Imported here so --stress works with Pillow alone.
    from transformers import CLIPImageProcessorPil  # type: ignore

    mean, std = [0.48145466, 0.4578275, 0.40821073], [0.26862954, 0.26130258, 0.27577711]
    cases = []
    shapes = [(13, 10), (10, 13), (30, 17), (8, 8), (9, 40), (64, 48), (7, 5), (17, 17), (100, 9), (12, 12)]
    for i, (w, h) in enumerate(shapes):
        size = 8 if i % 2 == 0 else 9
        resample = ["bicubic", "bilinear", "nearest"][i % 3]
        resize = "stretch" if i % 4 == 3 else "shortest-edge"
        rgba = pattern(rng, h, w, 4)
        rgba[..., 3] = rng.integers(0, 256, size=(h, w))  # alpha must be ignored, as convert('RGB') does
        if resize == "shortest-edge":
            proc = CLIPImageProcessorPil(size={"shortest_edge": size}, crop_size={"height": size, "width": size}, resample=FILTERS[resample], image_mean=mean, image_std=std)
        else:
            proc = CLIPImageProcessorPil(size={"height": size, "width": size}, do_center_crop=False, resample=FILTERS[resample], image_mean=mean, image_std=std)
        pixels = proc(images=Image.fromarray(rgba, "RGBA"), return_tensors="np")["pixel_values"].astype(np.float32)
        assert pixels.shape == (1, 3, size, size), pixels.shape
        cases.append({
            "width": w, "height": h, "size": size, "rgba": b64(rgba),
            "spec": {"resize": resize, "crop": "center" if resize == "shortest-edge" else "none", "resample": resample, "rescale": 1 / 255, "mean": mean, "std": std},
            "pixels": b64(pixels),
        })
    return cases


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--stress", type=int, default=0)
    parser.add_argument("--out", default="")
    args = parser.parse_args()
    import PIL

    rng = np.random.default_rng(20240607)
    if args.stress:
        data = {"pillow": PIL.__version__, "cases": resize_cases(rng, args.stress, 48, 64)}
        with open(args.out or "/tmp/pil-stress.json", "w") as f:
            json.dump(data, f)
        return
    import transformers  # type: ignore

    here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "core", "fixtures")
    os.makedirs(here, exist_ok=True)
    with open(os.path.join(here, "pil-resize.json"), "w") as f:
        json.dump({"pillow": PIL.__version__, "cases": resize_cases(rng, 120, 20, 24)}, f)
    with open(os.path.join(here, "hf-preprocess.json"), "w") as f:
        json.dump({"pillow": PIL.__version__, "transformers": transformers.__version__, "cases": hf_cases(rng)}, f)
    print("wrote", here, file=sys.stderr)


if __name__ == "__main__":
    main()
