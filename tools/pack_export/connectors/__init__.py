"""The connector families a pack can declare, one module each, listed in the app's order
(src/core/connectors/registry.ts). manifest.py looks a family up here instead of switching on its
name; a new family is a new module and its line below."""
from __future__ import annotations

from . import merger, mlp, perceiver, pixel_shuffle
from .family import ConnectorFamily

CONNECTOR_FAMILIES: dict[str, ConnectorFamily] = {f.id: f for f in (mlp.FAMILY, merger.FAMILY, pixel_shuffle.FAMILY, perceiver.FAMILY)}

__all__ = ["CONNECTOR_FAMILIES", "ConnectorFamily"]
