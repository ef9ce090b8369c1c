/**
 * Which WebGPU adapter this browser offers, without importing a runtime (both ort.ts and
 * tfBackend.ts ask): a software adapter (SwiftShader, llvmpipe, the browser's declared fallback)
 * computes correctly but far slower than WASM, so neither inference nor training picks it unless
 * asked to (`?ep=webgpu` for inference).
 */

export interface AdapterLike {
  readonly isFallbackAdapter?: boolean;
  readonly info?: {
    readonly vendor?: string;
    readonly architecture?: string;
    readonly device?: string;
    readonly description?: string;
    readonly isFallbackAdapter?: boolean;
  };
}

/** True for an adapter that is software (SwiftShader or the browser's declared fallback). */
export function isSoftwareAdapter(adapter: AdapterLike): boolean {
  if (adapter.isFallbackAdapter || adapter.info?.isFallbackAdapter) return true;
  const info = adapter.info;
  const text = [info?.vendor, info?.architecture, info?.device, info?.description].filter(Boolean).join(' ');
  return /swiftshader|llvmpipe|lavapipe|software|microsoft basic render/i.test(text);
}

export type WebGpuKind = 'none' | 'software' | 'hardware';

/** What WebGPU this context has: none, a software adapter, or a hardware one. */
export async function webGpuKind(): Promise<WebGpuKind> {
  const gpu = (globalThis.navigator as { gpu?: { requestAdapter(): Promise<AdapterLike | null> } } | undefined)?.gpu;
  if (!gpu) return 'none';
  try {
    const adapter = await gpu.requestAdapter();
    if (!adapter) return 'none';
    return isSoftwareAdapter(adapter) ? 'software' : 'hardware';
  } catch {
    return 'none';
  }
}
