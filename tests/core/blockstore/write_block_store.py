"""Reference side of tests/core/blockstore/pythonBlockStore.test.ts.

  store OUT    Writes block stores as the paper's code does (lyan62/vlm-info-loss:
               safetensors.torch.save_file({'block': tensor}, path)): 30 images, tokens [16, 24]
               before and [4, 32] after a merger-like connector, in float32, float16 and bfloat16,
               plus a float32 store of pooled vectors [24] / [32]. Image 7 is a copy of image 3,
               so neighbour lists have exact ties. Then computes in numpy, from torch's reading of
               the files as float32: mean-pooled vectors, cosine k-NN (k = 5, self excluded, ties
               to the lower index) before and after, and KNOR per image and mean. Writes
               OUT/expected.json.
  check DIR    Reads every *.safetensors file in DIR with the safetensors package (written by the
               app's writeSafetensors), records dtype, shape, float32 bit patterns and metadata, and
               saves the tensors again with save_file into DIR/resaved/, for a byte comparison.
               Writes DIR/read.json.
"""
import json
import os
import sys

import numpy as np
import torch
from safetensors import safe_open
from safetensors.torch import load_file, save_file

IMAGES = 30
TOKENS_PRE, D_PRE = 16, 24
TOKENS_POST, D_POST = 4, 32
K = 5
DTYPES = {"f32": torch.float32, "f16": torch.float16, "bf16": torch.bfloat16}


def make_blocks():
    g = torch.Generator().manual_seed(20240611)
    pre = torch.randn(IMAGES, TOKENS_PRE, D_PRE, generator=g)
    # A shared direction per image group makes neighbours meaningful; noise keeps them distinct.
    pre += torch.randn(IMAGES // 5, 1, 1, D_PRE, generator=g).repeat_interleave(5, dim=0).reshape(IMAGES, 1, D_PRE)
    pre[7] = pre[3]
    w1 = torch.randn(4 * D_PRE, 48, generator=g) / (4 * D_PRE) ** 0.5
    w2 = torch.randn(48, D_POST, generator=g) / 48**0.5
    grouped = pre.reshape(IMAGES, TOKENS_POST, 4 * D_PRE)
    post = torch.nn.functional.gelu(grouped @ w1) @ w2 + 0.4 * torch.randn(IMAGES, TOKENS_POST, D_POST, generator=g)
    post[7] = post[3]
    return pre, post


def cosine_neighbours(x):
    """[n, d] float32 -> [n, K] neighbours, self excluded, by (distance, index)."""
    v = x.astype(np.float64)
    norms = np.sqrt(np.array([np.dot(r, r) for r in v]))
    lists = []
    for i in range(len(v)):
        dist = []
        for j in range(len(v)):
            if j == i:
                continue
            denom = norms[i] * norms[j]
            dist.append((1.0 if denom == 0 else 1.0 - np.dot(v[i], v[j]) / denom, j))
        dist.sort()
        # The comparison with the app must not hinge on rounding: neighbouring ranks differ clearly or tie exactly.
        for (a, _), (b, _) in zip(dist[: K + 1], dist[1 : K + 2]):
            if 0 < b - a < 1e-9:
                raise SystemExit(f"near tie for image {i}: {a!r} vs {b!r}; change the seed")
        lists.append([j for _, j in dist[:K]])
    return lists


def reference(folder, ids):
    pre = [load_file(os.path.join(folder, f"pre-block-{i}.safetensors"))["block"].float().numpy() for i in ids]
    post = [load_file(os.path.join(folder, f"post-block-{i}.safetensors"))["block"].float().numpy() for i in ids]

    def pooled(blocks):
        if blocks[0].ndim == 1:
            return np.stack(blocks)
        return np.stack([b.astype(np.float64).mean(axis=0).astype(np.float32) for b in blocks])

    pooled_pre, pooled_post = pooled(pre), pooled(post)
    nn_pre, nn_post = cosine_neighbours(pooled_pre), cosine_neighbours(pooled_post)
    knor = [len(set(a) & set(b)) / K for a, b in zip(nn_pre, nn_post)]
    return {
        "ids": [str(i) for i in ids],
        "tokensPre": [float(v) for b in pre for v in b.ravel()],
        "tokensPost": [float(v) for b in post for v in b.ravel()],
        "pooledPre": pooled_pre.astype(np.float64).tolist(),
        "pooledPost": pooled_post.astype(np.float64).tolist(),
        "nnPre": nn_pre,
        "nnPost": nn_post,
        "knor": knor,
        "knorMean": float(np.mean(knor)),
    }


def store(out):
    pre, post = make_blocks()
    ids = list(range(IMAGES))
    expected = {}
    for name, dtype in DTYPES.items():
        folder = os.path.join(out, name)
        os.makedirs(folder)
        for i in ids:
            save_file({"block": pre[i].to(dtype).contiguous()}, os.path.join(folder, f"pre-block-{i}.safetensors"))
            save_file({"block": post[i].to(dtype).contiguous()}, os.path.join(folder, f"post-block-{i}.safetensors"))
        expected[name] = reference(folder, ids)
    folder = os.path.join(out, "pooled")
    os.makedirs(folder)
    for i in ids:
        save_file({"block": pre[i].mean(dim=0).contiguous()}, os.path.join(folder, f"pre-block-{i}.safetensors"))
        save_file({"block": post[i].mean(dim=0).contiguous()}, os.path.join(folder, f"post-block-{i}.safetensors"))
    expected["pooled"] = reference(folder, ids)
    with open(os.path.join(out, "expected.json"), "w") as f:
        json.dump(expected, f)


def check(folder):
    resaved = os.path.join(folder, "resaved")
    os.makedirs(resaved)
    result = {}
    for name in sorted(os.listdir(folder)):
        if not name.endswith(".safetensors"):
            continue
        path = os.path.join(folder, name)
        tensors = {}
        with safe_open(path, framework="pt") as f:
            metadata = f.metadata()
            for key in f.keys():
                t = f.get_tensor(key)
                tensors[key] = t
        result[name] = {
            "metadata": metadata,
            "tensors": {
                key: {"dtype": str(t.dtype), "shape": list(t.shape), "bits": t.float().numpy().view(np.uint32).ravel().tolist()}
                for key, t in tensors.items()
            },
        }
        save_file(load_file(path), os.path.join(resaved, name), metadata=metadata)
    with open(os.path.join(folder, "read.json"), "w") as f:
        json.dump(result, f)


if __name__ == "__main__":
    command, target = sys.argv[1], sys.argv[2]
    {"store": store, "check": check}[command](target)
