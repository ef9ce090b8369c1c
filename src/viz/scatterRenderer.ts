/**
 * Draws many coloured points on a canvas: WebGL where the browser has it (one draw call, the
 * points uploaded once, so panning 10,000 points redraws in well under a frame), Canvas 2D
 * otherwise. Points are in data coordinates; `draw` takes the affine map from data to CSS pixels
 * (the view's fit times the user's zoom), so a pan or zoom changes two uniforms, not the buffers.
 *
 * Why not regl or deck.gl: this is one shader pair and one buffer; a library would add more code
 * than it replaces. Embedding Atlas uses WebGPU for millions of points; a few tens of thousands
 * (the paper's scale) draw in WebGL at full frame rate on any GPU, and WebGL also runs on the
 * software renderers of headless browsers.
 */

/** Data → CSS pixels: x_px = x * scale + offsetX, y_px = −y * scale + offsetY (data y points up). */
export interface ViewTransform {
  readonly scale: number;
  readonly offsetX: number;
  readonly offsetY: number;
}

export interface ScatterRenderer {
  readonly kind: 'webgl' | 'canvas2d';
  /** xy: [n, 2] data coordinates; rgba: [n, 4] bytes. Copied to the GPU (or kept) until the next call. */
  setPoints(xy: Float32Array, rgba: Uint8Array): void;
  /** Dims every point whose `mask` entry is 0 (a lasso or a filter); null shows all at full strength. */
  setEmphasis(mask: Uint8Array | null): void;
  draw(view: ViewTransform, pointSize: number): void;
  destroy(): void;
}

const VERTEX = `
attribute vec2 a_xy;
attribute vec4 a_rgba;
attribute float a_emphasis;
uniform vec3 u_view;      // scale, offsetX, offsetY (CSS px)
uniform vec2 u_size;      // canvas size in CSS px
uniform float u_ratio;    // device pixels per CSS px
uniform float u_point;    // point diameter, CSS px
varying vec4 v_rgba;
void main() {
  vec2 px = vec2(a_xy.x * u_view.x + u_view.y, -a_xy.y * u_view.x + u_view.z);
  gl_Position = vec4(px.x / u_size.x * 2.0 - 1.0, 1.0 - px.y / u_size.y * 2.0, 0.0, 1.0);
  gl_PointSize = u_point * u_ratio;
  v_rgba = vec4(a_rgba.rgb, a_rgba.a * mix(0.18, 0.9, a_emphasis));
}`;

const FRAGMENT = `
precision mediump float;
varying vec4 v_rgba;
void main() {
  vec2 c = gl_PointCoord * 2.0 - 1.0;
  float r = dot(c, c);
  if (r > 1.0) discard;
  // A thin darker rim keeps overlapping points apart.
  float rim = smoothstep(0.55, 1.0, r);
  gl_FragColor = vec4(v_rgba.rgb * (1.0 - 0.35 * rim), v_rgba.a);
}`;

export function createScatterRenderer(canvas: HTMLCanvasElement): ScatterRenderer {
  const gl = canvas.getContext('webgl', { antialias: false, premultipliedAlpha: false, preserveDrawingBuffer: true });
  return gl ? webglRenderer(canvas, gl) : canvasRenderer(canvas);
}

function webglRenderer(canvas: HTMLCanvasElement, gl: WebGLRenderingContext): ScatterRenderer {
  const program = link(gl, VERTEX, FRAGMENT);
  const xyBuffer = gl.createBuffer();
  const rgbaBuffer = gl.createBuffer();
  const emphasisBuffer = gl.createBuffer();
  const attribute = (name: string) => gl.getAttribLocation(program, name);
  const uniform = (name: string) => gl.getUniformLocation(program, name);
  let count = 0;
  const setEmphasis = (mask: Uint8Array | null) => {
    gl.bindBuffer(gl.ARRAY_BUFFER, emphasisBuffer);
    gl.bufferData(gl.ARRAY_BUFFER, mask ?? new Uint8Array(count).fill(1), gl.DYNAMIC_DRAW);
  };
  return {
    kind: 'webgl',
    setPoints(xy, rgba) {
      count = xy.length / 2;
      gl.bindBuffer(gl.ARRAY_BUFFER, xyBuffer);
      gl.bufferData(gl.ARRAY_BUFFER, xy, gl.STATIC_DRAW);
      gl.bindBuffer(gl.ARRAY_BUFFER, rgbaBuffer);
      gl.bufferData(gl.ARRAY_BUFFER, rgba, gl.STATIC_DRAW);
      setEmphasis(null);
    },
    setEmphasis,
    draw(view, pointSize) {
      const ratio = canvas.width / Math.max(canvas.clientWidth, 1);
      gl.viewport(0, 0, canvas.width, canvas.height);
      gl.clearColor(0, 0, 0, 0);
      gl.clear(gl.COLOR_BUFFER_BIT);
      if (count === 0) return;
      gl.useProgram(program);
      gl.enable(gl.BLEND);
      gl.blendFunc(gl.SRC_ALPHA, gl.ONE_MINUS_SRC_ALPHA);
      bindAttribute(gl, xyBuffer, attribute('a_xy'), 2, gl.FLOAT, false);
      bindAttribute(gl, rgbaBuffer, attribute('a_rgba'), 4, gl.UNSIGNED_BYTE, true);
      bindAttribute(gl, emphasisBuffer, attribute('a_emphasis'), 1, gl.UNSIGNED_BYTE, false);
      gl.uniform3f(uniform('u_view'), view.scale, view.offsetX, view.offsetY);
      gl.uniform2f(uniform('u_size'), canvas.clientWidth, canvas.clientHeight);
      gl.uniform1f(uniform('u_ratio'), ratio);
      gl.uniform1f(uniform('u_point'), pointSize);
      gl.drawArrays(gl.POINTS, 0, count);
    },
    destroy() {
      gl.deleteBuffer(xyBuffer);
      gl.deleteBuffer(rgbaBuffer);
      gl.deleteBuffer(emphasisBuffer);
      gl.deleteProgram(program);
    },
  };
}

function bindAttribute(gl: WebGLRenderingContext, buffer: WebGLBuffer | null, location: number, size: number, type: number, normalized: boolean): void {
  if (location < 0) return;
  gl.bindBuffer(gl.ARRAY_BUFFER, buffer);
  gl.enableVertexAttribArray(location);
  gl.vertexAttribPointer(location, size, type, normalized, 0, 0);
}

function link(gl: WebGLRenderingContext, vertexSource: string, fragmentSource: string): WebGLProgram {
  const compile = (type: number, source: string) => {
    const shader = gl.createShader(type)!;
    gl.shaderSource(shader, source);
    gl.compileShader(shader);
    if (!gl.getShaderParameter(shader, gl.COMPILE_STATUS)) throw new Error(`Point shader did not compile: ${gl.getShaderInfoLog(shader) ?? ''}`);
    return shader;
  };
  const program = gl.createProgram()!;
  gl.attachShader(program, compile(gl.VERTEX_SHADER, vertexSource));
  gl.attachShader(program, compile(gl.FRAGMENT_SHADER, fragmentSource));
  gl.linkProgram(program);
  if (!gl.getProgramParameter(program, gl.LINK_STATUS)) throw new Error(`Point shaders did not link: ${gl.getProgramInfoLog(program) ?? ''}`);
  return program;
}

/** The same picture in Canvas 2D, for browsers without WebGL (slower past a few thousand points). */
function canvasRenderer(canvas: HTMLCanvasElement): ScatterRenderer {
  const context = canvas.getContext('2d');
  let points: Float32Array = new Float32Array(0);
  let colours: Uint8Array = new Uint8Array(0);
  let emphasis: Uint8Array | null = null;
  return {
    kind: 'canvas2d',
    setPoints(xy, rgba) {
      points = xy;
      colours = rgba;
      emphasis = null;
    },
    setEmphasis(mask) {
      emphasis = mask;
    },
    draw(view, pointSize) {
      if (!context) return;
      const ratio = canvas.width / Math.max(canvas.clientWidth, 1);
      context.setTransform(ratio, 0, 0, ratio, 0, 0);
      context.clearRect(0, 0, canvas.clientWidth, canvas.clientHeight);
      const r = pointSize / 2;
      for (let i = 0; i < points.length / 2; i++) {
        const alpha = (colours[i * 4 + 3]! / 255) * (emphasis && !emphasis[i] ? 0.18 : 0.9);
        context.fillStyle = `rgba(${colours[i * 4]},${colours[i * 4 + 1]},${colours[i * 4 + 2]},${alpha})`;
        context.beginPath();
        context.arc(points[i * 2]! * view.scale + view.offsetX, -points[i * 2 + 1]! * view.scale + view.offsetY, r, 0, 2 * Math.PI);
        context.fill();
      }
    },
    destroy() {},
  };
}
