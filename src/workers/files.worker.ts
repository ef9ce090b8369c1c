/// <reference lib="webworker" />
/**
 * Files worker: reads and checks what a person drops, off the main thread, so a drop of
 * thousands of files or a label file of megabytes never freezes the page. Images are checked
 * (core/image/checkImageFile) and hashed (duplicates are found by content); label files are
 * parsed (core/labels). Thin: the rules are in core/. Every reply is {type, id, ...}.
 */
import { describeFailure } from '../core/errors.ts';
import { fileTooBigMessage, MAX_FILE_BYTES, checkImageFile } from '../core/image/checkImageFile.ts';
import { hashBytes } from '../core/identity/contentHash.ts';
import { parseLabels } from '../core/labels/parseLabels.ts';
import type { CheckedFile, CheckImagesRequest, FilesReply, FilesRequest, ParseLabelsRequest } from './protocol.ts';

declare const self: DedicatedWorkerGlobalScope;

const cancelled = new Set<number>();

function post(reply: FilesReply): void {
  self.postMessage(reply);
}

async function checkOne(file: File): Promise<CheckedFile> {
  // Refuse huge files before reading them into memory.
  if (file.size > MAX_FILE_BYTES) return { ok: false, message: fileTooBigMessage(file.name, file.size) };
  const bytes = new Uint8Array(await file.arrayBuffer());
  const result = checkImageFile(bytes, file.name);
  if (!result.ok) return { ok: false, message: result.message };
  return { ok: true, width: result.width, height: result.height, notice: result.notice, contentHash: await hashBytes(bytes) };
}

async function checkImages(req: CheckImagesRequest): Promise<void> {
  let done = 0;
  for (const [index, file] of req.files.entries()) {
    if (cancelled.has(req.id)) break;
    post({ type: 'item', id: req.id, item: { index, result: await checkOne(file) } });
    done++;
    post({ type: 'progress', id: req.id, progress: { done, total: req.files.length } });
  }
  cancelled.delete(req.id);
  post({ type: 'result', id: req.id, result: { done } });
}

async function parseLabelFile(req: ParseLabelsRequest): Promise<void> {
  const parsed = parseLabels(new Uint8Array(await req.file.arrayBuffer()), req.file.name);
  post({ type: 'result', id: req.id, result: parsed });
}

self.onmessage = async (event: MessageEvent<FilesRequest>) => {
  const req = event.data;
  try {
    switch (req.type) {
      case 'cancel':
        cancelled.add(req.target);
        return;
      case 'check-images':
        return await checkImages(req);
      case 'parse-labels':
        return await parseLabelFile(req);
    }
  } catch (error) {
    post({ type: 'error', id: req.id, error: describeFailure(error, req.type === 'parse-labels' ? `read ${req.file.name}` : 'check the files') });
  }
};
