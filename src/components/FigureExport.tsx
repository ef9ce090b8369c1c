import { say } from '../store/uiStore.ts';
import { errorText } from '../core/errors.ts';
import { standaloneSvg, svgToPng } from '../viz/figureExport.ts';
import { downloadBytes } from './download.ts';

/** "SVG" and "PNG" beside a chart: the chart as drawn, as a standalone file for a paper. */
export function FigureExport({ testId, fileBase }: { testId: string; fileBase: string }) {
  const chart = () => document.querySelector<SVGSVGElement>(`svg[data-testid="${testId}"]`);
  const save = async (format: 'svg' | 'png') => {
    const svg = chart();
    if (!svg) return;
    try {
      const text = standaloneSvg(svg);
      if (format === 'svg') downloadBytes(`${fileBase}.svg`, text, 'image/svg+xml');
      else downloadBytes(`${fileBase}.png`, await svgToPng(document, text), 'image/png');
    } catch (error) {
      say('error', `The figure could not be saved as ${format.toUpperCase()}. Try the other format.`, { details: errorText(error) });
    }
  };
  return (
    <span className="figure-export">
      <button
        type="button"
        className="small-button"
        data-testid={`${testId}-svg`}
        title="Save this figure as SVG (vector, for papers)"
        onClick={() => void save('svg')}
      >
        SVG
      </button>
      <button
        type="button"
        className="small-button"
        data-testid={`${testId}-png`}
        title="Save this figure as PNG (twice its size on screen)"
        onClick={() => void save('png')}
      >
        PNG
      </button>
    </span>
  );
}
