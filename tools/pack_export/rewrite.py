"""Rewrite the initializers of an ONNX model that torch.onnx.export wrote.

Two optional changes, both on the protobuf wire (see wire.py):

- float16 storage: float32 weights are stored as float16 and a Cast back to float32 is put in
  front of their consumers, so the graph still computes in float32 and its inputs and outputs stay
  float32 (the app feeds and reads float32 only). The file halves; the numbers are the weights
  rounded to float16. Tensors with values outside float16's range stay float32.
- external data: every weight of at least 1 KiB goes into one side file next to the model
  (`<model>.onnx_data`), as ONNX's external data format describes. Protobuf caps a model at 2 GB,
  and a browser parses a small graph file faster. torch itself, past 2 GB, writes one file per
  tensor; those are gathered into the one side file here, so a user picks three files, not 500.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Optional, Sequence, Union

import numpy as np

from .wire import Field, bytes_field, iter_fields, repeated_varints, string_field, varint_field

# ONNX field numbers (onnx.proto).
MODEL_GRAPH = 7
GRAPH_NODE, GRAPH_INITIALIZER, GRAPH_INPUT, GRAPH_OUTPUT = 1, 5, 11, 12
TENSOR_DIMS, TENSOR_DATA_TYPE, TENSOR_NAME, TENSOR_RAW_DATA = 1, 2, 8, 9
TENSOR_EXTERNAL_DATA, TENSOR_DATA_LOCATION = 13, 14
VALUE_INFO_NAME, VALUE_INFO_TYPE = 1, 2
TYPE_TENSOR, TENSOR_TYPE_ELEM, TENSOR_TYPE_SHAPE, SHAPE_DIM, DIM_VALUE, DIM_PARAM = 1, 1, 2, 1, 1, 2
NODE_INPUT, NODE_OUTPUT, NODE_NAME, NODE_OP_TYPE, NODE_ATTRIBUTE = 1, 2, 3, 4, 5
ATTRIBUTE_NAME, ATTRIBUTE_I, ATTRIBUTE_TYPE = 1, 3, 20
ENTRY_KEY, ENTRY_VALUE = 1, 2

FLOAT, FLOAT16 = 1, 10
ATTRIBUTE_INT = 2
EXTERNAL = 1
FLOAT16_MAX = 65504.0
# Smaller tensors stay inline, as onnx.save_model's default does.
EXTERNAL_MIN_BYTES = 1024
# Side-file offsets aligned for memory mapping (ORT and onnx both accept any offset).
ALIGN = 64


@dataclass
class Tensor:
    """One initializer: its undecoded fields plus what the rewrite needs to know."""

    fields: list[Field]
    name: str
    data_type: int
    # None when the values sit in typed fields (float_data, ...) this rewrite leaves alone.
    data: Optional[bytes]


@dataclass
class RewriteReport:
    weight_bytes: int = 0
    float16_tensors: int = 0
    kept_float32: list[str] = field(default_factory=list)
    external_file: Optional[str] = None
    external_bytes: int = 0


def _text(value: object) -> str:
    assert isinstance(value, memoryview)
    return bytes(value).decode("utf-8")


def _external_entries(fields: list[Field]) -> dict[str, str]:
    entries: dict[str, str] = {}
    for f in fields:
        if f.number != TENSOR_EXTERNAL_DATA:
            continue
        assert isinstance(f.value, memoryview)
        pair = {g.number: _text(g.value) for g in iter_fields(f.value)}
        entries[pair.get(ENTRY_KEY, "")] = pair.get(ENTRY_VALUE, "")
    return entries


def _element_count(fields: list[Field]) -> int:
    count = 1
    for f in fields:
        if f.number == TENSOR_DIMS:
            for d in repeated_varints(f):
                count *= d
    return count


def _read_external(folder: Path, entries: dict[str, str], expected_bytes: Optional[int]) -> bytes:
    location = entries.get("location", "")
    if not location or "/" in location or "\\" in location or ".." in location:
        raise ValueError(f"unexpected external data location {location!r}")
    offset = int(entries.get("offset", "0"))
    with open(folder / location, "rb") as handle:
        handle.seek(offset)
        length = int(entries["length"]) if "length" in entries else expected_bytes
        data = handle.read() if length is None else handle.read(length)
    if length is not None and len(data) != length:
        raise ValueError(f"{location}: {len(data)} bytes, expected {length}")
    return data


def parse_tensor(payload: memoryview, folder: Path) -> Tensor:
    fields = list(iter_fields(payload))
    name, data_type, data = "", 0, None
    for f in fields:
        if f.number == TENSOR_NAME:
            name = _text(f.value)
        elif f.number == TENSOR_DATA_TYPE:
            assert isinstance(f.value, int)
            data_type = f.value
        elif f.number == TENSOR_RAW_DATA:
            assert isinstance(f.value, memoryview)
            data = bytes(f.value)
    location = [f.value for f in fields if f.number == TENSOR_DATA_LOCATION]
    if location and location[-1] == EXTERNAL:
        width = {FLOAT: 4, FLOAT16: 2}.get(data_type)
        data = _read_external(folder, _external_entries(fields), _element_count(fields) * width if width else None)
    return Tensor(fields, name, data_type, data)


def to_float16(data: bytes) -> Optional[bytes]:
    """The values as float16, or None when one is out of float16's range (or not finite)."""
    values = np.frombuffer(data, dtype="<f4")
    if values.size and not (np.isfinite(values).all() and np.abs(values).max() <= FLOAT16_MAX):
        return None
    return values.astype("<f2").tobytes()


def encode_tensor(tensor: Tensor, data: bytes, external: Optional[tuple[str, int]]) -> bytes:
    """The tensor with new values: inline raw_data, or (location, offset) in a side file."""
    replaced = {TENSOR_DATA_TYPE, TENSOR_NAME, TENSOR_RAW_DATA, TENSOR_EXTERNAL_DATA, TENSOR_DATA_LOCATION}
    out = bytearray()
    for f in tensor.fields:
        if f.number not in replaced:
            out += f.raw
    out += varint_field(TENSOR_DATA_TYPE, tensor.data_type)
    out += string_field(TENSOR_NAME, tensor.name)
    if external is None:
        out += bytes_field(TENSOR_RAW_DATA, data)
        return bytes(out)
    location, offset = external
    for key, value in (("location", location), ("offset", str(offset)), ("length", str(len(data)))):
        out += bytes_field(TENSOR_EXTERNAL_DATA, string_field(ENTRY_KEY, key) + string_field(ENTRY_VALUE, value))
    out += varint_field(TENSOR_DATA_LOCATION, EXTERNAL)
    return bytes(out)


def cast_node(source: str, target: str, index: int) -> bytes:
    """Cast(source) -> target, to float32."""
    attribute = string_field(ATTRIBUTE_NAME, "to") + varint_field(ATTRIBUTE_I, FLOAT) + varint_field(ATTRIBUTE_TYPE, ATTRIBUTE_INT)
    return (
        string_field(NODE_INPUT, source)
        + string_field(NODE_OUTPUT, target)
        + string_field(NODE_NAME, f"float16_weight_cast_{index}")
        + string_field(NODE_OP_TYPE, "Cast")
        + bytes_field(NODE_ATTRIBUTE, attribute)
    )


class SideFile:
    """The one external data file, filled in initializer order."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.handle = open(path, "wb")
        self.offset = 0

    def append(self, data: bytes) -> int:
        padding = -self.offset % ALIGN
        self.handle.write(b"\0" * padding)
        offset = self.offset + padding
        self.handle.write(data)
        self.offset = offset + len(data)
        return offset

    def close(self) -> None:
        self.handle.close()


def value_info(name: str, dims: Sequence[Union[int, str]]) -> bytes:
    """A float32 tensor's name and shape; a string dim is symbolic."""
    shape = b"".join(bytes_field(SHAPE_DIM, string_field(DIM_PARAM, d) if isinstance(d, str) else varint_field(DIM_VALUE, d)) for d in dims)
    tensor_type = varint_field(TENSOR_TYPE_ELEM, FLOAT) + bytes_field(TENSOR_TYPE_SHAPE, shape)
    return string_field(VALUE_INFO_NAME, name) + bytes_field(VALUE_INFO_TYPE, bytes_field(TYPE_TENSOR, tensor_type))


def _declared_shape(f: Field, shapes: Mapping[str, Sequence[Union[int, str]]]) -> Optional[bytes]:
    """The graph input/output `f` with the shape the pack declares, or None to keep it."""
    if f.number not in (GRAPH_INPUT, GRAPH_OUTPUT) or not isinstance(f.value, memoryview):
        return None
    name = next((_text(g.value) for g in iter_fields(f.value) if g.number == VALUE_INFO_NAME), "")
    return bytes_field(f.number, value_info(name, shapes[name])) if name in shapes else None


def _graph_input_names(graph: list[Field]) -> set[str]:
    names: set[str] = set()
    for f in graph:
        if f.number == GRAPH_INPUT:
            assert isinstance(f.value, memoryview)
            names.update(_text(g.value) for g in iter_fields(f.value) if g.number == VALUE_INFO_NAME)
    return names


def _convert(tensors: list[Tensor], graph_inputs: set[str], report: RewriteReport) -> tuple[dict[int, bytes], list[bytes]]:
    """float16 values by tensor index, and the Cast nodes that restore float32."""
    converted: dict[int, bytes] = {}
    casts: list[bytes] = []
    for i, tensor in enumerate(tensors):
        # An initializer that is also a graph input may be fed by the caller: leave its type alone.
        if tensor.data_type != FLOAT or tensor.data is None or tensor.name in graph_inputs:
            continue
        half = to_float16(tensor.data)
        if half is None:
            report.kept_float32.append(tensor.name)
            continue
        original = tensor.name
        tensor.name, tensor.data_type = f"{original}.float16", FLOAT16
        converted[i] = half
        casts.append(bytes_field(GRAPH_NODE, cast_node(tensor.name, original, len(casts))))
    report.float16_tensors = len(converted)
    return converted, casts


def rewrite_model(
    source: Path,
    target: Path,
    *,
    float16: bool,
    external_above_bytes: Optional[int],
    shapes: Mapping[str, Sequence[Union[int, str]]] = {},
) -> RewriteReport:
    """Write `source` (and any side files torch wrote next to it) to `target`, rewritten.

    external_above_bytes: store weights in `<target>_data` when they add up to more than this
    many bytes (after float16 conversion); None never does.
    shapes: graph inputs and outputs to declare with these dims (torch's shape inference leaves
    names like "Slicepre_tokens_dim_1" where the pack knows the number).
    """
    buf = memoryview(source.read_bytes())
    model = list(iter_fields(buf))
    graphs = [f for f in model if f.number == MODEL_GRAPH]
    if len(graphs) != 1 or not isinstance(graphs[0].value, memoryview):
        raise ValueError(f"{source}: expected one graph")
    graph = list(iter_fields(graphs[0].value))
    tensors = {i: parse_tensor(f.value, source.parent) for i, f in enumerate(graph) if f.number == GRAPH_INITIALIZER and isinstance(f.value, memoryview)}

    report = RewriteReport()
    order = sorted(tensors)
    converted, casts = _convert([tensors[i] for i in order], _graph_input_names(graph), report) if float16 else ({}, [])
    values = {gi: converted.get(k, tensors[gi].data) for k, gi in enumerate(order)}
    report.weight_bytes = sum(len(v) for v in values.values() if v is not None)
    side = SideFile(target.with_name(target.name + "_data")) if external_above_bytes is not None and report.weight_bytes > external_above_bytes else None

    graph_out = bytearray(b"".join(casts))  # Cast nodes first: nodes must be in topological order
    try:
        for i, f in enumerate(graph):
            declared = _declared_shape(f, shapes)
            if declared is not None:
                graph_out += declared
                continue
            data = values.get(i)
            if i not in tensors or data is None:
                graph_out += f.raw
                continue
            external = None
            if side is not None and len(data) >= EXTERNAL_MIN_BYTES:
                external = (side.path.name, side.append(data))
                report.external_bytes += len(data)
            graph_out += bytes_field(GRAPH_INITIALIZER, encode_tensor(tensors[i], data, external))
    finally:
        if side is not None:
            side.close()
    if side is not None:
        report.external_file = side.path.name

    out = bytearray()
    for f in model:
        out += bytes_field(MODEL_GRAPH, graph_out) if f.number == MODEL_GRAPH else f.raw
    target.write_bytes(out)
    return report
