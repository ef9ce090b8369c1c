"""Connector Lens model-pack exporter (see tools/README.md)."""
