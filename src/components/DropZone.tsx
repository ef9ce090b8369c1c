import { useRef, useState } from 'react';
import { addFiles, addSampleImages } from '../store/intake.ts';
import { openModelFiles } from '../store/openModelFiles.ts';
import { filesFromDrop, MAX_DROPPED_FILES } from './dropFiles.ts';
import { isBlockStoreDrop, openBlockStore } from '../store/blockStoreSession.ts';
import { HiddenFileInput } from './HiddenFileInput.tsx';

/**
 * A drop holding block files (pre-block-<id>.safetensors) is the paper's block store. A drop holding a model (an .onnx graph) is a model folder: its JSON files are configs, not
 * labels. A .csv or .tsv in it is not the model's: it is applied as labels after the model opens,
 * and the message says where it came from.
 */
async function dropped(data: DataTransfer): Promise<void> {
  const { files, skipped } = await filesFromDrop(data);
  if (isBlockStoreDrop(files)) return openBlockStore(files, { skippedFiles: skipped });
  if (skipped > 0)
    say(
      'warning',
      `The drop holds ${(files.length + skipped).toLocaleString('en')} files; only the first ${MAX_DROPPED_FILES.toLocaleString('en')} were read. Drop the rest in a second go.`,
    );
  if (!files.some((f) => f.name.endsWith('.onnx'))) return addFiles(files);
  const images = files.filter((f) => /\.(png|jpe?g|gif|webp|bmp)$/i.test(f.name));
  const labelFiles = files.filter((f) => /\.(csv|tsv)$/i.test(f.name));
  await openModelFiles(files.filter((f) => !images.includes(f) && !labelFiles.includes(f)));
  if (images.length > 0) await addFiles(images);
  for (const file of labelFiles) {
    say('info', `${file.name} came with the model folder; it is read as a label file for the images here.`);
    await applyLabelFile(file);
  }
}
import { applyLabelFile } from '../store/labels.ts';
import { say } from '../store/uiStore.ts';

export function DropZone() {
  const input = useRef<HTMLInputElement>(null);
  const labelInput = useRef<HTMLInputElement>(null);
  const [over, setOver] = useState(false);
  return (
    <div
      className={`drop-zone${over ? ' drop-over' : ''}`}
      data-testid="drop-zone"
      onDragOver={(e) => {
        e.preventDefault();
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={(e) => {
        e.preventDefault();
        setOver(false);
        void dropped(e.dataTransfer);
      }}
    >
      <p>Drop images here (and a labels .csv, .tsv or .json if you have one), or a model folder. They stay on this machine: nothing is uploaded.</p>
      <div className="drop-actions">
        <button type="button" onClick={() => input.current?.click()}>
          Add images…
        </button>
        <button
          type="button"
          data-testid="add-labels"
          title="A CSV, TSV or JSON file naming each image's class, e.g. cat1.jpg,cat"
          onClick={() => labelInput.current?.click()}
        >
          Add labels…
        </button>
        <button type="button" data-testid="add-samples" onClick={() => void addSampleImages(18)}>
          Add 18 sample images
        </button>
      </div>
      <HiddenFileInput inputRef={input} testId="file-input" multiple accept="image/*" onFiles={(files) => void addFiles(files)} />
      <HiddenFileInput
        inputRef={labelInput}
        testId="label-input"
        accept=".csv,.tsv,.json,.txt,text/csv,application/json,text/plain"
        onFiles={([file]) => void applyLabelFile(file!)}
      />
    </div>
  );
}
