import type { RefObject } from 'react';

/**
 * The hidden file input behind an "Open…"/"Import…" button (the button calls `inputRef.current.click()`).
 * Its value is cleared after each choice, so choosing the same file again is seen as a choice.
 */
export function HiddenFileInput({
  inputRef,
  testId,
  accept,
  multiple = false,
  directory = false,
  onFiles,
}: {
  inputRef: RefObject<HTMLInputElement | null>;
  testId: string;
  accept?: string;
  multiple?: boolean;
  /** A folder picker (webkitdirectory): every file under the chosen folder. */
  directory?: boolean;
  /** Called with the chosen files, never with none. */
  onFiles: (files: File[]) => void;
}) {
  return (
    <input
      ref={inputRef}
      type="file"
      hidden
      multiple={multiple}
      {...(accept !== undefined ? { accept } : {})}
      {...(directory ? { webkitdirectory: '' } : {})}
      data-testid={testId}
      onChange={(e) => {
        const files = Array.from(e.target.files ?? []);
        e.target.value = '';
        if (files.length > 0) onFiles(files);
      }}
    />
  );
}
