/** The one conversion that produces models/mobilenet-v2-imagenet/encoder.onnx (script and tests share it). */
import { resolve } from 'node:path';
import { tfjsLayersToOnnx, type ConvertedEncoder } from '../onnx/tfjsLayersToOnnx.ts';
import { FROZEN_CUT_LAYER, loadNsfwjsMobilenet } from './nsfwjsModel.ts';

export const MOBILENET_PACK_DIR = resolve(import.meta.dirname, '../../models/mobilenet-v2-imagenet');

export function convertMobilenet(cutLayer = FROZEN_CUT_LAYER): ConvertedEncoder {
  const { model, weightData } = loadNsfwjsMobilenet();
  return tfjsLayersToOnnx(model, weightData, { cutLayer, graphName: `mobilenet_v2_imagenet_${cutLayer}` });
}
