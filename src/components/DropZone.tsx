import { useRef, useState } from 'react';
import { addFiles, addSampleImages } from '../store/intake.ts';

export function DropZone() {
  const input = useRef<HTMLInputElement>(null);
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
        void addFiles(Array.from(e.dataTransfer.files));
      }}
    >
      <p>Drop images here. They stay on this machine: nothing is uploaded.</p>
      <div className="drop-actions">
        <button type="button" onClick={() => input.current?.click()}>
          Add images…
        </button>
        <button type="button" data-testid="add-samples" onClick={() => void addSampleImages(18)}>
          Add 18 sample images
        </button>
      </div>
      <input
        ref={input}
        type="file"
        multiple
        accept="image/*"
        hidden
        data-testid="file-input"
        onChange={(e) => {
          const files = Array.from(e.target.files ?? []);
          e.target.value = '';
          void addFiles(files);
        }}
      />
    </div>
  );
}
