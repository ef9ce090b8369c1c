#!/usr/bin/env python3
"""Rebuild Connector Lens's reconstructor in PyTorch and compute one image's per-patch loss.

Reads the app's export (reconstructor.safetensors + reconstructor.json) and one image's blocks
from a block store (pre-block-<id>.safetensors, post-block-<id>.safetensors, tensor `block`
[tokens, dim]); prints the loss of each patch in standardised units, as the app's heatmap draws
it (docs/reconstructor-in-pytorch.md). Needs torch, numpy and safetensors.

  python3 tools/reconstructor_loss.py --weights reconstructor.safetensors --config reconstructor.json \
      --pre pre-block-0007.safetensors --post post-block-0007.safetensors [--grid 14 14] [--json]
"""
import argparse
import json

import numpy as np
import torch
from safetensors.torch import load_file
from torch import nn


class Reconstructor(nn.Module):
    """f: standardised post tokens [B, T', dPost] -> standardised pre tokens [B, T, dPre]."""

    def __init__(self, c):
        super().__init__()
        self.mixing = c["kind"] == "token-mixing-mlp"
        if self.mixing:  # T' tokens -> T: a learned map over the token axis plus a term per position
            self.token_mix = nn.Parameter(torch.zeros(c["tokensPost"], c["tokensPre"]))
            self.token_position = nn.Parameter(torch.zeros(c["tokensPre"], c["dPost"]))
        eps = c["layerNormEps"]
        self.fc1, self.ln1 = nn.Linear(c["dPost"], c["dPost"]), nn.LayerNorm(c["dPost"], eps=eps)
        self.fc2, self.ln2 = nn.Linear(c["dPost"], c["hidden"]), nn.LayerNorm(c["hidden"], eps=eps)
        self.fc3 = nn.Linear(c["hidden"], c["dPre"])
        self.gelu = nn.GELU()  # exact (erf) GELU, as the app; dropout acts only in training

    def forward(self, post):
        x = post
        if self.mixing:
            x = torch.einsum("bpd,pt->btd", x, self.token_mix) + self.token_position
        x = self.gelu(self.ln1(self.fc1(x)))
        x = self.gelu(self.ln2(self.fc2(x)))
        return self.fc3(x)


def load_reconstructor(weights_path, config_path):
    with open(config_path, encoding="utf-8") as f:
        config = json.load(f)
    model = Reconstructor(config)
    model.load_state_dict(load_file(weights_path))
    return model.eval(), config


def standardise(x, s):
    return (x - torch.tensor(s["mean"], dtype=torch.float32)) / torch.tensor(s["std"], dtype=torch.float32)


def patch_loss(model, config, pre, post):
    """Per-patch loss [T]: mean over dPre of (f(P)[t] - V[t])^2, both standardised as in training."""
    s = config["standardizers"]
    with torch.no_grad():
        predicted = model(standardise(post, s["post"])[None])[0]
    target = standardise(pre, s["pre"])
    return ((predicted.double() - target.double()) ** 2).mean(dim=-1).numpy()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--weights", required=True, help="reconstructor.safetensors from the app's export")
    parser.add_argument("--config", required=True, help="reconstructor.json from the app's export")
    parser.add_argument("--pre", required=True, help="pre-block-<id>.safetensors (tensor 'block' [T, dPre])")
    parser.add_argument("--post", required=True, help="post-block-<id>.safetensors (tensor 'block' [T', dPost])")
    parser.add_argument("--grid", type=int, nargs=2, metavar=("ROWS", "COLS"), help="print the losses on the patch grid")
    parser.add_argument("--json", action="store_true", help="print {imageLoss, perPatch} as JSON")
    args = parser.parse_args()

    model, config = load_reconstructor(args.weights, args.config)
    pre = load_file(args.pre)["block"].float()
    post = load_file(args.post)["block"].float()
    expected = {"pre": (config["tokensPre"], config["dPre"]), "post": (config["tokensPost"], config["dPost"])}
    for side, block in (("pre", pre), ("post", post)):
        if tuple(block.shape) != expected[side]:
            parser.error(f"--{side}: block is {list(block.shape)}, the reconstructor expects {list(expected[side])}")
    loss = patch_loss(model, config, pre, post)
    if args.json:
        print(json.dumps({"imageLoss": float(loss.mean()), "perPatch": loss.tolist()}))
        return
    print(f"image loss {loss.mean():.6g} (patch MSE in standardised units, {loss.size} patches)")
    with np.printoptions(precision=4, suppress=True, linewidth=160):
        print(loss.reshape(args.grid) if args.grid else loss)


if __name__ == "__main__":
    main()
