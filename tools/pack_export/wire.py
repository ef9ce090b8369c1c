"""Protobuf wire format, just enough to rewrite an ONNX model's initializers.

The exporter needs to move weights into one side file and to store them as float16. Doing that
on the wire keeps the tool's only dependency torch (no `onnx` or `protobuf` package): fields we do
not touch are copied byte for byte.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator, Union

VARINT = 0
FIXED64 = 1
LENGTH_DELIMITED = 2
FIXED32 = 5


@dataclass(frozen=True)
class Field:
    number: int
    wire_type: int
    # An int for varints, the payload (without its length prefix) for the other wire types.
    value: Union[int, memoryview]
    # The whole encoded field (tag included), for copying it unchanged.
    raw: memoryview


def read_varint(buf: memoryview, pos: int) -> tuple[int, int]:
    """The varint at `pos` and the position after it."""
    result = 0
    shift = 0
    while True:
        if pos >= len(buf):
            raise ValueError("truncated varint")
        byte = buf[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if byte < 0x80:
            return result, pos
        shift += 7
        if shift > 63:
            raise ValueError("varint longer than 64 bits")


def iter_fields(buf: memoryview) -> Iterator[Field]:
    """The fields of one message, in wire order."""
    pos = 0
    while pos < len(buf):
        start = pos
        tag, pos = read_varint(buf, pos)
        number, wire_type = tag >> 3, tag & 7
        value: Union[int, memoryview]
        if wire_type == VARINT:
            value, pos = read_varint(buf, pos)
        elif wire_type == LENGTH_DELIMITED:
            length, pos = read_varint(buf, pos)
            value = buf[pos : pos + length]
            if len(value) != length:
                raise ValueError(f"field {number}: truncated")
            pos += length
        elif wire_type == FIXED64:
            value, pos = buf[pos : pos + 8], pos + 8
        elif wire_type == FIXED32:
            value, pos = buf[pos : pos + 4], pos + 4
        else:
            raise ValueError(f"field {number}: unsupported wire type {wire_type}")
        yield Field(number, wire_type, value, buf[start:pos])


def encode_varint(value: int) -> bytes:
    if value < 0:
        value += 1 << 64  # int64 negatives are ten-byte varints
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def varint_field(number: int, value: int) -> bytes:
    return encode_varint(number << 3 | VARINT) + encode_varint(value)


def bytes_field(number: int, payload: Union[bytes, memoryview]) -> bytes:
    return encode_varint(number << 3 | LENGTH_DELIMITED) + encode_varint(len(payload)) + bytes(payload)


def string_field(number: int, text: str) -> bytes:
    return bytes_field(number, text.encode("utf-8"))


def repeated_varints(field: Field) -> list[int]:
    """A repeated integer field's values, packed or not."""
    if field.wire_type == VARINT:
        assert isinstance(field.value, int)
        return [field.value]
    assert isinstance(field.value, memoryview)
    values: list[int] = []
    pos = 0
    while pos < len(field.value):
        value, pos = read_varint(field.value, pos)
        values.append(value)
    return values
