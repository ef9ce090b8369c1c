/** The ONNX protobuf schema (onnx-proto: protobufjs static code), loaded the same way in Node and Vite. */
import onnxProto from 'onnx-proto';
import type { onnx as OnnxNamespace } from 'onnx-proto';

export const onnx = onnxProto.onnx;
export type ITensorProto = OnnxNamespace.ITensorProto;
export type INodeProto = OnnxNamespace.INodeProto;
export type IAttributeProto = OnnxNamespace.IAttributeProto;
export type IValueInfoProto = OnnxNamespace.IValueInfoProto;
export type IModelProto = OnnxNamespace.IModelProto;
export type IGraphProto = OnnxNamespace.IGraphProto;
