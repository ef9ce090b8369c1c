/**
 * A JSON file the build may ship beside the page (public/first-look/, public/reconstructions/),
 * fetched relative to the page. Absent is normal, and looks different per server: a 404, no
 * network, or a single-page-app fallback that answers every unknown path with the app's own page
 * (Vite's servers do); all three are "not shipped" (null), never a damaged file.
 */
export async function fetchShippedJson(url: string): Promise<Response | null> {
  let response: Response;
  try {
    response = await fetch(url);
  } catch {
    return null;
  }
  if (!response.ok) return null;
  if ((response.headers.get('content-type') ?? '').includes('text/html')) return null;
  return response;
}
