#!/usr/bin/env python3
"""
Binary fixtures for the browser test that only a real encoder can make (Pillow; see
scripts/pilFixtures.py for how to get it). Deterministic: the same Pillow writes the same bytes.

    /tmp/pilenv/bin/python scripts/e2eFixtures.py    # writes tests/e2e/fixtures/cmyk.jpg
"""
import os

from PIL import Image

OUT = os.path.join(os.path.dirname(__file__), "..", "tests", "e2e", "fixtures")


def cmyk_jpeg() -> None:
    """A 48 x 40 CMYK JPEG (four components in its frame header), as print workflows export."""
    im = Image.new("CMYK", (48, 40))
    px = im.load()
    for y in range(40):
        for x in range(48):
            px[x, y] = (x * 5, y * 6, 0 if x < 24 else 200, 20)
    im.save(os.path.join(OUT, "cmyk.jpg"), quality=92)


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    cmyk_jpeg()
