import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { quadtree, select, zoom as d3zoom, zoomIdentity, type D3ZoomEvent, type ZoomBehavior } from 'd3';
import { createFrameScheduler, type FrameScheduler } from '../viz/frameScheduler.ts';
import { fitView, pointsInPolygon, toData, toPixel, zoomed, type NeighbourLink, type Zoom } from '../viz/mapView.ts';
import { createScatterRenderer, type ScatterRenderer } from '../viz/scatterRenderer.ts';

export interface MapPointInfo {
  readonly id: string;
  readonly name: string;
  readonly label: string | null;
  readonly url: string | null;
  readonly knor: number | null;
}

interface MapViewProps {
  readonly space: 'pre' | 'post';
  readonly title: string;
  readonly caption: string;
  /** [n, 2] data coordinates. */
  readonly xy: Float32Array;
  readonly colours: Uint8Array;
  readonly emphasis: Uint8Array | null;
  readonly points: readonly MapPointInfo[];
  readonly selected: number;
  /** The point under the pointer in either map (ringed in both). */
  readonly hovered: number | null;
  /** Whether the pointer is over this map (its tooltip shows). */
  readonly tooltip: boolean;
  readonly links: readonly NeighbourLink[];
  readonly lasso: boolean;
  readonly onHover: (index: number | null) => void;
  readonly onSelect: (index: number) => void;
  readonly onLasso: (indices: number[]) => void;
}

/** Pixels within which the pointer picks a point. */
const PICK_RADIUS = 8;
const POINT_SIZE = 7;

/**
 * One map: points drawn by viz/scatterRenderer.ts on a canvas, and an SVG layer above it for what
 * is few and interactive (the selected point, its neighbour lines, the hovered point, the lasso).
 * Pan and zoom are d3-zoom's; a move redraws in the next animation frame only.
 */
export function MapView(props: MapViewProps) {
  const { xy, colours, emphasis, points, selected, hovered, links, lasso, space } = props;
  const boxRef = useRef<HTMLDivElement>(null);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const svgRef = useRef<SVGSVGElement>(null);
  const rendererRef = useRef<ScatterRenderer | null>(null);
  const zoomRef = useRef<ZoomBehavior<SVGSVGElement, unknown> | null>(null);
  const [size, setSize] = useState({ width: 0, height: 0 });
  const [zoom, setZoom] = useState<Zoom>({ k: 1, x: 0, y: 0 });
  const [lassoPath, setLassoPath] = useState<[number, number][] | null>(null);
  const [rendererKind, setRendererKind] = useState<string>('');

  const fit = useMemo(() => fitView(xy, size.width, size.height), [xy, size]);
  const fitRef = useRef(fit);
  const view = useMemo(() => zoomed(fit, zoom), [fit, zoom]);
  const tree = useMemo(() => {
    const indices = Array.from({ length: xy.length / 2 }, (_, i) => i);
    return quadtree<number>()
      .x((i) => xy[i * 2]!)
      .y((i) => xy[i * 2 + 1]!)
      .addAll(indices);
  }, [xy]);

  // Size: the canvas follows its box, in device pixels.
  useEffect(() => {
    const box = boxRef.current;
    if (!box) return;
    const observer = new ResizeObserver(() => setSize({ width: box.clientWidth, height: box.clientHeight }));
    observer.observe(box);
    setSize({ width: box.clientWidth, height: box.clientHeight });
    return () => observer.disconnect();
  }, []);

  useEffect(() => {
    const canvas = canvasRef.current!;
    const renderer = createScatterRenderer(canvas);
    rendererRef.current = renderer;
    setRendererKind(renderer.kind);
    return () => {
      renderer.destroy();
      rendererRef.current = null;
    };
  }, []);

  useEffect(() => {
    rendererRef.current?.setPoints(xy, colours);
  }, [xy, colours]);
  useEffect(() => {
    rendererRef.current?.setEmphasis(emphasis);
  }, [emphasis, xy, colours]);

  // Draw at most once a frame, with the latest view (kept in refs: the zoom handler sets it between renders).
  const latest = useRef({ view, size });
  const schedulerRef = useRef<FrameScheduler | null>(null);
  useEffect(() => {
    const scheduler = createFrameScheduler(() => {
      const canvas = canvasRef.current;
      const renderer = rendererRef.current;
      if (!canvas || !renderer) return;
      const ratio = window.devicePixelRatio || 1;
      const { width, height } = latest.current.size;
      if (canvas.width !== Math.round(width * ratio) || canvas.height !== Math.round(height * ratio)) {
        canvas.width = Math.round(width * ratio);
        canvas.height = Math.round(height * ratio);
      }
      renderer.draw(latest.current.view, POINT_SIZE);
      canvas.dataset.draws = String(Number(canvas.dataset.draws ?? 0) + 1);
    });
    schedulerRef.current = scheduler;
    return () => scheduler.cancel();
  }, []);
  useLayoutEffect(() => {
    fitRef.current = fit;
    latest.current = { view, size };
    schedulerRef.current?.request();
  }, [fit, view, size, xy, colours, emphasis]);

  const lassoActive = useRef(lasso);
  useLayoutEffect(() => {
    lassoActive.current = lasso;
  }, [lasso]);

  // Pan and zoom (off while drawing a lasso). A new layout starts from the whole map.
  useEffect(() => {
    const svg = select(svgRef.current!);
    const behaviour = d3zoom<SVGSVGElement, unknown>()
      .scaleExtent([0.5, 200])
      .filter((event: Event) => !lassoActive.current && event.type !== 'dblclick' && (!('button' in event) || (event as MouseEvent).button === 0))
      .on('zoom', (event: D3ZoomEvent<SVGSVGElement, unknown>) => {
        const { k, x, y } = event.transform;
        // The canvas follows in this frame, without waiting for React to render the overlay.
        latest.current = { ...latest.current, view: zoomed(fitRef.current, { k, x, y }) };
        schedulerRef.current?.request();
        setZoom({ k, x, y });
      });
    zoomRef.current = behaviour;
    svg.call(behaviour).on('dblclick.zoom', null);
    return () => {
      svg.on('.zoom', null);
    };
  }, []);
  useEffect(() => {
    if (svgRef.current && zoomRef.current) select(svgRef.current).call(zoomRef.current.transform, zoomIdentity);
  }, [xy]);

  const pick = (event: { clientX: number; clientY: number }): number | null => {
    const rect = svgRef.current!.getBoundingClientRect();
    const [x, y] = toData(view, event.clientX - rect.left, event.clientY - rect.top);
    const found = tree.find(x, y, PICK_RADIUS / view.scale);
    return found ?? null;
  };

  const local = (event: { clientX: number; clientY: number }): [number, number] => {
    const rect = svgRef.current!.getBoundingClientRect();
    return [event.clientX - rect.left, event.clientY - rect.top];
  };

  const onPointerDown = (event: React.PointerEvent<SVGSVGElement>) => {
    if (!lasso) return;
    event.currentTarget.setPointerCapture(event.pointerId);
    setLassoPath([local(event)]);
  };
  const onPointerMove = (event: React.PointerEvent<SVGSVGElement>) => {
    if (lassoPath) {
      setLassoPath([...lassoPath, local(event)]);
      return;
    }
    props.onHover(pick(event));
  };
  const onPointerUp = () => {
    if (!lassoPath) return;
    const polygon = lassoPath.map(([px, py]) => toData(view, px, py));
    setLassoPath(null);
    props.onLasso(pointsInPolygon(xy, polygon));
  };
  const onClick = (event: React.MouseEvent<SVGSVGElement>) => {
    if (lasso) return;
    const index = pick(event);
    if (index !== null) props.onSelect(index);
  };
  const onDoubleClick = () => {
    if (svgRef.current && zoomRef.current) select(svgRef.current).call(zoomRef.current.transform, zoomIdentity);
  };

  const at = (i: number) => toPixel(view, xy[i * 2]!, xy[i * 2 + 1]!);
  const hoveredPoint = hovered !== null && hovered < points.length ? points[hovered]! : null;
  const [hx, hy] = hovered !== null ? at(hovered) : [0, 0];
  const [sx, sy] = selected >= 0 ? at(selected) : [0, 0];

  return (
    <figure className="map-view" data-testid={`map-${space}`} data-renderer={rendererKind}>
      <figcaption title={props.caption}>
        <strong className={`space-${space}`}>{props.title}</strong> <span className="muted">{props.caption}</span>
      </figcaption>
      <div className={`map-box${lasso ? ' lassoing' : ''}`} ref={boxRef}>
        <canvas ref={canvasRef} data-testid="map-canvas" />
        <svg
          ref={svgRef}
          width={size.width}
          height={size.height}
          data-view={`${view.scale},${view.offsetX},${view.offsetY}`}
          role="img"
          aria-label={`${props.title}: ${points.length} images as points`}
          onPointerDown={onPointerDown}
          onPointerMove={onPointerMove}
          onPointerUp={onPointerUp}
          onPointerLeave={() => props.onHover(null)}
          onClick={onClick}
          onDoubleClick={onDoubleClick}
        >
          {selected >= 0 &&
            links.map((link) => {
              const [tx, ty] = at(link.to);
              return (
                <line
                  key={link.to}
                  data-testid="map-link"
                  data-kept={link.kept}
                  className={`map-link ${link.kept ? 'kept' : 'lost'}`}
                  x1={sx}
                  y1={sy}
                  x2={tx}
                  y2={ty}
                />
              );
            })}
          {selected >= 0 &&
            links.map((link) => {
              const [tx, ty] = at(link.to);
              return <circle key={`n${link.to}`} className={`map-neighbour ${link.kept ? 'kept' : 'lost'}`} cx={tx} cy={ty} r={5} />;
            })}
          {selected >= 0 && <circle className="map-selected" data-testid="map-selected" cx={sx} cy={sy} r={8} />}
          {hovered !== null && <circle className="map-hovered" cx={hx} cy={hy} r={7} />}
          {lassoPath && <path className="map-lasso" d={`M${lassoPath.map((p) => p.join(',')).join('L')}Z`} />}
        </svg>
        {hoveredPoint && props.tooltip && !lassoPath && (
          <div
            className="map-tooltip"
            data-testid="map-tooltip"
            style={{ left: Math.min(hx + 12, Math.max(size.width - 150, 0)), top: hy + 110 > size.height ? Math.max(hy - 118, 0) : hy + 12 }}
          >
            {hoveredPoint.url && <img src={hoveredPoint.url} alt="" />}
            <span className="map-tooltip-name">{hoveredPoint.name.slice(hoveredPoint.name.lastIndexOf('/') + 1)}</span>
            {hoveredPoint.label && <span>{hoveredPoint.label}</span>}
            {hoveredPoint.knor !== null && <span>KNOR {hoveredPoint.knor.toFixed(2)}</span>}
          </div>
        )}
      </div>
    </figure>
  );
}
