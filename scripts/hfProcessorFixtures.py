#!/usr/bin/env python3
"""
Reference tensors for src/core/image/processors (CLIP, SigLIP, Idefics3/SmolVLM, Qwen2-VL), made by
transformers' own PIL-backend image processors (CLIPImageProcessorPil, SiglipImageProcessorPil,
Idefics3ImageProcessorPil, Qwen2VLImageProcessorPil) with the real Pillow, from each model's
preprocessor_config.json as published. No torch needed: these processors are numpy + Pillow.
The fixtures are committed; CI does not need Python.

    python3 -m venv /tmp/pilenv && /tmp/pilenv/bin/pip install pillow numpy transformers
    /tmp/pilenv/bin/python scripts/hfProcessorFixtures.py
        writes tests/core/fixtures/hf-processors.json and tests/core/fixtures/pil-resize-extra.json
    /tmp/pilenv/bin/python scripts/hfProcessorFixtures.py --photos-from scikit_image-0.26.0-*.whl
        also re-derives tests/core/fixtures/photos/*.png from scikit-image's sample photos
        (pip download scikit-image --no-deps gives the wheel; it is read as a zip, not installed)

Inputs: two real photos (tests/core/fixtures/photos, see LICENCES.md there) and synthetic images at
odd sizes (1x1, 3x500, 500x3, 70x42, 333x217 with random alpha, 1500x1100). The synthetic images
are not stored: tests/support/syntheticImage.ts makes the same bytes from the same integer formula
(synthetic() below).

Each case runs a config twice: with do_rescale=False, do_normalize=False (the 8-bit values before
normalisation, where the 1/255 tolerance applies) and as published (the float32 tensors). Outputs
are too large to store whole (SmolVLM's is 3 x 512 x 512), so each tensor is stored as a CRC-32 of
all its 8-bit values, a strided sample, and the float64 sum. Analysis settings, also applied here:
Idefics3 runs with do_image_splitting=False (one global image); "fixedSize" Qwen2-VL cases first
resize the image to that size with the processor's filter, which smart_resize then keeps.
Everything is seeded: the same versions give the same bytes.
"""
import argparse
import base64
import io
import json
import math
import os
import sys
import zipfile
import zlib

import numpy as np
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pilFixtures import pattern  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "tests", "core", "fixtures")
PHOTOS = os.path.join(FIXTURES, "photos")

RAW_SAMPLE = 512
NORM_SAMPLE = 128

OPENAI_MEAN = [0.48145466, 0.4578275, 0.40821073]
OPENAI_STD = [0.26862954, 0.26130258, 0.27577711]
HALF = [0.5, 0.5, 0.5]

# preprocessor_config.json as published with each model (fields as on the Hub).
CONFIGS = {
    "openai/clip-vit-base-patch32": ("clip", {
        "crop_size": 224, "do_center_crop": True, "do_normalize": True, "do_resize": True,
        "feature_extractor_type": "CLIPFeatureExtractor", "image_mean": OPENAI_MEAN, "image_std": OPENAI_STD,
        "resample": 3, "size": 224}),
    "openai/clip-vit-large-patch14-336": ("clip", {
        "crop_size": {"height": 336, "width": 336}, "do_center_crop": True, "do_convert_rgb": True, "do_normalize": True,
        "do_rescale": True, "do_resize": True, "image_mean": OPENAI_MEAN, "image_processor_type": "CLIPImageProcessor",
        "image_std": OPENAI_STD, "resample": 3, "rescale_factor": 0.00392156862745098, "size": {"shortest_edge": 336}}),
    "google/siglip-base-patch16-224": ("siglip", {
        "do_normalize": True, "do_rescale": True, "do_resize": True, "image_mean": HALF,
        "image_processor_type": "SiglipImageProcessor", "image_std": HALF, "processor_class": "SiglipProcessor",
        "resample": 3, "rescale_factor": 0.00392156862745098, "size": {"height": 224, "width": 224}}),
    "google/siglip-so400m-patch14-384": ("siglip", {
        "do_normalize": True, "do_rescale": True, "do_resize": True, "image_mean": HALF,
        "image_processor_type": "SiglipImageProcessor", "image_std": HALF, "processor_class": "SiglipProcessor",
        "resample": 3, "rescale_factor": 0.00392156862745098, "size": {"height": 384, "width": 384}}),
    "llava-hf/llava-onevision-qwen2-0.5b-ov-hf": ("llava-onevision", {
        "do_convert_rgb": True, "do_normalize": True, "do_pad": True, "do_rescale": True, "do_resize": True,
        "image_grid_pinpoints": [[384 * i, 384 * j] for i in range(1, 7) for j in range(1, 7)], "image_mean": HALF,
        "image_processor_type": "LlavaOnevisionImageProcessor", "image_std": HALF, "processor_class": "LlavaOnevisionProcessor",
        "resample": 3, "rescale_factor": 0.00392156862745098, "size": {"height": 384, "width": 384}}),
    "HuggingFaceM4/idefics2-8b": ("idefics2", {
        "do_convert_rgb": True, "do_image_splitting": False, "do_normalize": True, "do_pad": True, "do_rescale": True,
        "do_resize": True, "image_mean": HALF, "image_processor_type": "Idefics2ImageProcessor", "image_std": HALF,
        "processor_class": "Idefics2Processor", "resample": 2, "rescale_factor": 0.00392156862745098,
        "size": {"longest_edge": 980, "shortest_edge": 378}}),
    "HuggingFaceTB/SmolVLM-256M-Instruct": ("idefics3", {
        "do_convert_rgb": True, "do_image_splitting": True, "do_normalize": True, "do_pad": True, "do_rescale": True,
        "do_resize": True, "image_mean": HALF, "image_processor_type": "Idefics3ImageProcessor", "image_std": HALF,
        "max_image_size": {"longest_edge": 512}, "processor_class": "Idefics3Processor", "resample": 1,
        "rescale_factor": 0.00392156862745098, "size": {"longest_edge": 2048}}),
    "HuggingFaceM4/Idefics3-8B-Llama3": ("idefics3", {
        "do_convert_rgb": True, "do_image_splitting": True, "do_normalize": True, "do_pad": True, "do_rescale": True,
        "do_resize": True, "image_mean": HALF, "image_processor_type": "Idefics3ImageProcessor", "image_std": HALF,
        "max_image_size": {"longest_edge": 364}, "processor_class": "Idefics3Processor", "resample": 1,
        "rescale_factor": 0.00392156862745098, "size": {"longest_edge": 1456}}),
    "Qwen/Qwen2-VL-2B-Instruct": ("qwen2-vl", {
        "min_pixels": 3136, "max_pixels": 12845056, "patch_size": 14, "temporal_patch_size": 2, "merge_size": 2,
        "image_mean": OPENAI_MEAN, "image_std": OPENAI_STD, "image_processor_type": "Qwen2VLImageProcessor",
        "processor_class": "Qwen2VLProcessor"}),
    # The same with max_pixels lowered to 256 merged tokens, as the model card suggests to save memory.
    "Qwen/Qwen2-VL-2B-Instruct max_pixels=256*28*28": ("qwen2-vl", {
        "min_pixels": 3136, "max_pixels": 200704, "patch_size": 14, "temporal_patch_size": 2, "merge_size": 2,
        "image_mean": OPENAI_MEAN, "image_std": OPENAI_STD, "image_processor_type": "Qwen2VLImageProcessor",
        "processor_class": "Qwen2VLProcessor"}),
}

PHOTO_SOURCES = {
    # name: (file in the scikit-image wheel, crop box or None, output size)
    "chelsea": ("skimage/data/chelsea.png", None, (226, 150)),
    "coffee-portrait": ("skimage/data/coffee.png", (150, 0, 450, 400), (150, 200)),
}

SYNTHETIC = [(1, 1, False), (3, 500, False), (500, 3, False), (70, 42, False), (333, 217, True), (1500, 1100, False)]
SYNTHETIC_SEED = 20240608


def b64(a: np.ndarray) -> str:
    return base64.b64encode(np.ascontiguousarray(a).tobytes()).decode("ascii")


def synthetic(width: int, height: int, seed: int, alpha: bool) -> np.ndarray:
    """RGBA [h, w, 4]: 16-pixel blocks of smooth ramps, hashed noise and 0/255 extremes (see
    tests/support/syntheticImage.ts, which must give the same bytes)."""
    m = 0xFFFFFFFF
    y, x = np.mgrid[0:height, 0:width].astype(np.uint64)
    out = np.empty((height, width, 4), dtype=np.uint8)
    block = ((x >> np.uint64(4)) ^ (y >> np.uint64(4))) & np.uint64(3)
    for c in range(4):
        h = (x * 0x9E3779B1 + y * 0x85EBCA77 + c * 0xC2B2AE3D + seed) & m
        h ^= h >> np.uint64(16)
        h = (h * 0x7FEB352D) & m
        h ^= h >> np.uint64(15)
        h = (h * 0x846CA68B) & m
        h ^= h >> np.uint64(16)
        smooth = (x * 251 // max(width - 1, 1) + y * 127 // max(height - 1, 1) + 85 * c) % 256
        noise = h & np.uint64(255)
        extreme = (h & np.uint64(1)) * np.uint64(255)
        v = np.where(block == 1, noise, np.where(block == 2, extreme, smooth))
        if c == 3:
            v = noise if alpha else np.full_like(v, 255)
        out[..., c] = v.astype(np.uint8)
    return out


def load_photos(wheel: str | None) -> dict:
    os.makedirs(PHOTOS, exist_ok=True)
    photos = {}
    for name, (member, box, size) in PHOTO_SOURCES.items():
        path = os.path.join(PHOTOS, f"{name}.png")
        if wheel:
            with zipfile.ZipFile(wheel) as z:
                img = Image.open(io.BytesIO(z.read(member))).convert("RGB")
            if box:
                img = img.crop(box)
            img = img.resize(size, Image.Resampling.LANCZOS)
            img.save(path, "PNG", optimize=True)
        photos[name] = np.array(Image.open(path).convert("RGB"))
    return photos


def processor_class(kind: str):
    from transformers import CLIPImageProcessorPil, Idefics3ImageProcessorPil, Qwen2VLImageProcessorPil, SiglipImageProcessorPil  # type: ignore

    # (Not in the transformers the committed fixture was made with.)
    if kind == "idefics2":
        from transformers import Idefics2ImageProcessorPil  # type: ignore

        return Idefics2ImageProcessorPil
    if kind == "llava-onevision":
        from transformers import LlavaOnevisionImageProcessorPil  # type: ignore

        return LlavaOnevisionImageProcessorPil
    return {"clip": CLIPImageProcessorPil, "siglip": SiglipImageProcessorPil, "idefics3": Idefics3ImageProcessorPil, "qwen2-vl": Qwen2VLImageProcessorPil}[kind]


def run(kind: str, config: dict, img: Image.Image, fixed: tuple | None, raw: bool) -> dict:
    cfg = dict(config)
    if kind == "idefics3":
        cfg["do_image_splitting"] = False
    if raw:
        cfg["do_rescale"] = False
        cfg["do_normalize"] = False
    proc = processor_class(kind).from_dict(cfg)
    if kind == "idefics2":
        # The app analyses Idefics2 at one square, shortest_edge on a side (a size its processor
        # leaves alone): the image is stretched to it first, as a fixed size is.
        side = cfg["size"]["shortest_edge"]
        fixed = (side, side)
    if fixed:
        # The processor starts with convert("RGB"); resizing RGBA first would premultiply alpha.
        img = img.convert("RGB").resize((fixed[1], fixed[0]), proc.resample)
    out = proc(images=img, return_tensors="np")
    arrays = {k: np.asarray(v) for k, v in out.items()}
    if kind == "llava-onevision":
        # [1, views, 3, S, S]: the base view first, then the anyres tiles; the app analyses the base view.
        arrays["pixel_values"] = np.ascontiguousarray(arrays["pixel_values"][:, 0])
    return arrays


def sample(a: np.ndarray, count: int) -> tuple:
    flat = a.reshape(-1)
    stride = max(1, flat.size // count)
    if stride > 1 and stride % 2 == 0:
        stride += 1  # odd, so the sample cycles through channels and patch positions
    return stride, flat[::stride]


def tensor_summary(name: str, raw: np.ndarray, norm: np.ndarray) -> dict:
    raw_u8 = raw.astype(np.float64)
    assert np.all(raw_u8 == np.round(raw_u8)) and raw_u8.min() >= 0 and raw_u8.max() <= 255, name
    raw_u8 = raw_u8.astype(np.uint8)
    rs, rsample = sample(raw_u8, RAW_SAMPLE)
    ns, nsample = sample(norm.astype(np.float32), NORM_SAMPLE)
    return {
        "name": name, "dims": list(norm.shape),
        "raw": {"crc32": zlib.crc32(raw_u8.tobytes()), "sum": int(raw_u8.sum(dtype=np.int64)), "stride": rs, "sample": b64(rsample)},
        "normalised": {"dtype": str(norm.dtype), "sum": float(norm.astype(np.float64).sum()), "stride": ns, "sample": b64(nsample.astype(np.float32))},
    }


def processor_cases(photos: dict) -> list:
    def rgba_crc(a: np.ndarray) -> int:
        """CRC-32 of the RGBA bytes the test feeds in, so a wrong input is told apart from a wrong port."""
        if a.shape[2] == 3:
            a = np.concatenate([a, np.full(a.shape[:2] + (1,), 255, np.uint8)], axis=2)
        return zlib.crc32(np.ascontiguousarray(a).tobytes())

    images = {name: ({"photo": name, "width": a.shape[1], "height": a.shape[0], "rgbaCrc32": rgba_crc(a)}, Image.fromarray(a, "RGB")) for name, a in photos.items()}
    for w, h, alpha in SYNTHETIC:
        a = synthetic(w, h, SYNTHETIC_SEED, alpha)
        spec = {"synthetic": {"width": w, "height": h, "seed": SYNTHETIC_SEED, "alpha": alpha}, "rgbaCrc32": rgba_crc(a)}
        images[f"{w}x{h}"] = (spec, Image.fromarray(a, "RGBA"))
    every = list(images)
    few = ["chelsea", "coffee-portrait", "333x217"]
    plan = [
        ("openai/clip-vit-base-patch32", None, every),
        ("openai/clip-vit-large-patch14-336", None, few),
        ("google/siglip-base-patch16-224", None, every),
        ("google/siglip-so400m-patch14-384", None, few + ["1x1"]),
        ("llava-hf/llava-onevision-qwen2-0.5b-ov-hf", None, every),
        ("HuggingFaceM4/idefics2-8b", None, every),
        ("HuggingFaceTB/SmolVLM-256M-Instruct", None, every),
        ("HuggingFaceM4/Idefics3-8B-Llama3", None, few),
        ("Qwen/Qwen2-VL-2B-Instruct", (336, 336), every),
        ("Qwen/Qwen2-VL-2B-Instruct", None, every),
        ("Qwen/Qwen2-VL-2B-Instruct max_pixels=256*28*28", None, few + ["1500x1100", "70x42"]),
    ]
    cases = []
    for model, fixed, names in plan:
        kind, config = CONFIGS[model]
        for name in names:
            spec, img = images[name]
            raw = run(kind, config, img, fixed, raw=True)
            norm = run(kind, config, img, fixed, raw=False)
            tensors = [tensor_summary("pixel_values", raw["pixel_values"], norm["pixel_values"])]
            case = {"model": model, "image": spec, "tensors": tensors}
            if fixed:
                case["fixedSize"] = {"height": fixed[0], "width": fixed[1]}
            if "pixel_attention_mask" in norm:
                m = norm["pixel_attention_mask"]
                case["pixelAttentionMask"] = {"dims": list(m.shape), "ones": int(m.sum()), "size": int(m.size)}
            if "image_grid_thw" in norm:
                case["imageGridThw"] = norm["image_grid_thw"].tolist()
            cases.append(case)
            print(model, fixed or "", name, [t["dims"] for t in tensors], file=sys.stderr)
    # Qwen2-VL refuses aspect ratios above 200 (ValueError): the port must refuse too.
    kind, config = CONFIGS["Qwen/Qwen2-VL-2B-Instruct"]
    for w, h in [(201, 1), (2, 401)]:
        try:
            run(kind, config, Image.fromarray(synthetic(w, h, SYNTHETIC_SEED, False), "RGBA"), None, raw=False)
            raise AssertionError("expected a ValueError")
        except ValueError as e:
            cases.append({"model": "Qwen/Qwen2-VL-2B-Instruct", "image": {"synthetic": {"width": w, "height": h, "seed": SYNTHETIC_SEED, "alpha": False}}, "error": str(e)})
    return cases


def size_tables(rng: np.random.Generator) -> dict:
    from transformers.models.idefics3.image_processing_pil_idefics3 import get_resize_output_image_size  # type: ignore
    from transformers.models.qwen2_vl.image_processing_pil_qwen2_vl import smart_resize  # type: ignore

    dims = [(int(h), int(w)) for h, w in rng.integers(1, 5000, size=(300, 2))]
    dims += [(int(h), int(w)) for h, w in rng.integers(1, 120, size=(100, 2))]
    dims += [(42, 70), (70, 42), (14, 14), (98, 126), (1, 1), (1, 200), (200, 1), (1, 201), (3000, 15)]
    smart = []
    for i, (h, w) in enumerate(dims):
        factor, lo, hi = [(28, 3136, 12845056), (28, 3136, 200704), (32, 1024, 65536), (28, 112896, 112896)][i % 4]
        try:
            smart.append([h, w, factor, lo, hi, *smart_resize(h, w, factor, lo, hi)])
        except ValueError:
            smart.append([h, w, factor, lo, hi, None, None])
    idefics = []
    for i, (h, w) in enumerate(dims):
        longest = [2048, 1456, 364, 9000][i % 4]  # 9000 runs into the 4096 bound
        idefics.append([h, w, longest, *get_resize_output_image_size(np.zeros((1, h, w), np.uint8), longest)])
    return {"smartResize": smart, "idefics3ResizeSize": idefics}


def patch_orders() -> list:
    from transformers import Qwen2VLImageProcessorPil  # type: ignore

    proc = Qwen2VLImageProcessorPil()
    out = []
    for c, h, w, p, m, t in [(3, 8, 12, 2, 2, 2), (3, 12, 6, 3, 2, 3), (2, 8, 8, 1, 4, 1), (3, 28, 56, 14, 2, 2)]:
        # Each value names its source position (c * h + y) * w + x; stored as uint16.
        index = np.arange(c * h * w, dtype=np.float32).reshape(c, h, w)
        flat, gh, gw = proc.patchify(index, patch_size=p, merge_size=m, temporal_patch_size=t)
        out.append({"channels": c, "height": h, "width": w, "patchSize": p, "mergeSize": m, "temporalPatchSize": t, "gridH": gh, "gridW": gw, "dims": list(flat.shape), "indices": b64(flat.astype(np.uint16))})
    return out


def resize_extra_cases(rng: np.random.Generator) -> list:
    """Byte-exact resize cases pil-resize.json does not cover: the lanczos, box and hamming filters,
    and images taller than 100 x their width, which Image.resize shrinks vertically first."""
    filters = {"lanczos": Image.Resampling.LANCZOS, "box": Image.Resampling.BOX, "hamming": Image.Resampling.HAMMING,
               "bicubic": Image.Resampling.BICUBIC, "bilinear": Image.Resampling.BILINEAR, "nearest": Image.Resampling.NEAREST}
    cases = []
    for i in range(84):
        mode = "RGBA" if i % 4 == 3 else "RGB"
        c = 4 if mode == "RGBA" else 3
        if i < 72:
            name = list(filters)[i % 3]
            big = i % 12 == 11  # a few strong downscales: wide filter support
            w, h = (int(v) for v in rng.integers(1, 64 if big else 20, size=2))
            ow, oh = (int(v) for v in rng.integers(1, 24, size=2))
        else:
            name = list(filters)[i % 6]
            w = int(rng.integers(1, 3))
            h = int(rng.integers(100 * w + 1, 100 * w + 60))
            ow, oh = int(rng.integers(1, 24)), int(rng.integers(1, 24))
        src = pattern(rng, h, w, c)
        out = np.array(Image.fromarray(src, mode).resize((ow, oh), filters[name]))
        cases.append({"mode": mode, "filter": name, "width": w, "height": h, "outWidth": ow, "outHeight": oh, "src": b64(src), "out": b64(out)})
    return cases


def alpha_handling() -> str:
    """What the installed transformers does with transparency: "drop" (PIL convert("RGB"), the
    stored colour kept) or "white" (composited onto white, as transformers 5.25 does)."""
    from transformers.image_transforms import convert_to_rgb  # type: ignore

    pixel = Image.new("RGBA", (1, 1), (0, 0, 0, 0))
    try:
        out = convert_to_rgb(pixel, return_numpy=True)
    except TypeError:  # older transformers: no return_numpy
        out = np.array(convert_to_rgb(pixel))
    return "white" if int(np.asarray(out).reshape(-1)[0]) == 255 else "drop"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--photos-from", default="", help="scikit-image wheel to re-derive the photos from")
    parser.add_argument("--out", default=FIXTURES, help="folder to write the two JSON files into (default: the committed fixtures; tests/tools/hfProcessorsLive.test.ts writes a temporary one)")
    args = parser.parse_args()
    import PIL
    import transformers  # type: ignore

    rng = np.random.default_rng(20240609)
    photos = load_photos(args.photos_from or None)
    data = {
        "pillow": PIL.__version__, "transformers": transformers.__version__, "numpy": np.__version__, "alpha": alpha_handling(),
        "configs": {model: {"processor": kind, "config": config} for model, (kind, config) in CONFIGS.items()},
        "cases": processor_cases(photos), "sizes": size_tables(rng), "patchOrders": patch_orders(),
    }
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "hf-processors.json"), "w") as f:
        json.dump(data, f, separators=(",", ":"))
    with open(os.path.join(args.out, "pil-resize-extra.json"), "w") as f:
        json.dump({"pillow": PIL.__version__, "cases": resize_extra_cases(rng)}, f)
    print("wrote", args.out, file=sys.stderr)


if __name__ == "__main__":
    main()
