/** One token of an image, fetched from the tokens worker (store/tokens.ts): null while it comes, or when it is not held. */
import { useEffect, useState } from 'react';
import { useModel } from '../../store/hooks.ts';
import { tokenRow } from '../../store/tokens.ts';

export function useTokenRow(imageId: string, space: 'pre' | 'post', index: number): Float32Array | null {
  const modelKey = useModel((s) => s.modelKey);
  const [row, setRow] = useState<{ readonly key: string; readonly values: Float32Array | null } | null>(null);
  const key = `${modelKey ?? ''}\n${imageId}\n${space}\n${index}`;
  useEffect(() => {
    if (!modelKey) return;
    let current = true;
    tokenRow(modelKey, imageId, space, index).then(
      (values) => current && setRow({ key, values }),
      () => current && setRow({ key, values: null }),
    );
    return () => {
      current = false;
    };
  }, [key, modelKey, imageId, space, index]);
  // A row fetched for another image or token is never shown for this one.
  return row?.key === key ? row.values : null;
}
