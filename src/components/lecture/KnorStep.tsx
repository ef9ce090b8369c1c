import type { KnorResult } from '../../store/analysisStore.ts';
import { useUi } from '../../store/hooks.ts';
import { KnorHistogram } from '../KnorHistogram.tsx';
import { KnorMean } from '../KnorMean.tsx';

export function KnorStep({ knor }: { knor: KnorResult }) {
  const selectedId = useUi((s) => s.selectedId);
  const row = selectedId ? knor.ids.indexOf(selectedId) : -1;
  const value = row >= 0 ? knor.perImage[row] : undefined;
  return (
    <div className="lecture-row">
      <div className="lecture-facts lecture-knor">
        <KnorMean knor={knor} testId="lecture-knor-mean" />
        {value !== undefined && (
          <p data-testid="lecture-image-knor">
            this image: <strong>{value.toFixed(2)}</strong> ({Math.round(value * knor.k)} of {knor.k} neighbours kept; its bar is orange)
          </p>
        )}
      </div>
      <figure className="lecture-chart">
        <KnorHistogram knor={knor} highlight={value} testId="lecture-knor-histogram" />
      </figure>
    </div>
  );
}
