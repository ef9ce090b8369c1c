"""The MLP projector (LLaVA): token by token, as many post tokens as patches; no size field."""
from .family import ConnectorFamily, no_size_errors

FAMILY = ConnectorFamily(id="mlp", parameter=None, post_tokens=lambda pre, _size: pre, size_errors=no_size_errors)
