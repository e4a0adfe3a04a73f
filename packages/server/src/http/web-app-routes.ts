import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { extname, resolve, sep } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Context, Hono } from 'hono';
import { getMimeType } from 'hono/utils/mime';
import { landingPage } from './landing-page.ts';
import type { Env } from './request-helpers.ts';

/** Where the built web app is when FAMILIAR_WEB_DIR does not say: `packages/web/dist` of this repository. */
export function defaultWebDir(): string {
  return resolve(import.meta.dirname, '..', '..', '..', 'web', 'dist');
}

const NO_CACHE = 'no-cache';
/** Vite names files under `assets/` by their content hash, so they never change. */
const IMMUTABLE = 'public, max-age=31536000, immutable';
const ICON_CACHE = 'public, max-age=86400';
/** Types worth compressing (images and fonts are compressed already). */
const COMPRESSIBLE = /^(text\/|application\/(javascript|json|manifest\+json|xml)|image\/svg\+xml)/;
/** Files smaller than this go as they are: gzip's header costs more than it saves. */
const MIN_COMPRESS_BYTES = 1024;

/** True when the request's Accept-Encoding takes gzip (and does not refuse it with q=0). */
export function acceptsGzip(header: string | undefined): boolean {
  return (header ?? '').split(',').some((part) => {
    const [coding, ...params] = part.trim().toLowerCase().split(';');
    if (coding !== 'gzip' && coding !== '*') return false;
    const q = params.map((param) => param.trim()).find((param) => param.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  });
}

/** True when the client accepts an HTML page (a browser navigating), not only JSON. */
function acceptsHtml(accept: string | undefined): boolean {
  return (accept ?? '')
    .split(',')
    .some((type) =>
      ['text/html', 'application/xhtml+xml'].includes(type.split(';')[0]?.trim().toLowerCase() ?? ''),
    );
}

/**
 * The file a request path names inside `root`, or null: a path that does not decode, holds `..`, a backslash, a NUL
 * or an empty segment, or that leads (through a link too) outside `root`, is no file.
 */
export function fileInside(root: string, requestPath: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(requestPath);
  } catch {
    return null;
  }
  if (/\\|\0/.test(decoded)) return null;
  const segments = decoded.split('/').slice(1);
  if (segments.some((segment) => segment === '' || segment === '.' || segment === '..')) return null;
  const path = resolve(root, ...segments);
  if (!existsSync(path)) return null;
  let real: string;
  let realRoot: string;
  try {
    real = realpathSync(path);
    realRoot = realpathSync(root);
  } catch {
    return null;
  }
  if (!real.startsWith(realRoot + sep) || !statSync(real).isFile()) return null;
  return real;
}

/**
 * Serves the web app built by Vite (`packages/web/dist`, or FAMILIAR_WEB_DIR) at `/` without a token: the page, its
 * hashed assets (cached for good), the manifest, the service worker and icons, gzipped for clients that take it (each
 * file is compressed once and kept); any other page a browser asks for
 * (client-side routes such as `/today`) gets `index.html`. Without a build, `/` is the landing page, which says how to
 * build it. Register last: the catch-all answers only what no other route did.
 */
export function registerWebAppRoutes(
  app: Hono<Env>,
  options: { webDir: string | null; version: string },
): void {
  const root = options.webDir ?? defaultWebDir();
  const indexFile = () => fileInside(root, '/index.html');
  /** Gzipped files by path, kept while the file's size and time are unchanged (a rebuild replaces them). */
  const gzipped = new Map<string, { stamp: string; bytes: Uint8Array<ArrayBuffer> }>();
  const compressed = (path: string): Uint8Array<ArrayBuffer> => {
    const stat = statSync(path);
    const stamp = `${stat.size}:${stat.mtimeMs}`;
    const cached = gzipped.get(path);
    if (cached?.stamp === stamp) return cached.bytes;
    const bytes = new Uint8Array(gzipSync(readFileSync(path), { level: 9 }));
    gzipped.set(path, { stamp, bytes });
    return bytes;
  };
  const sendFile = (c: Context, path: string, cacheControl: string) => {
    const type =
      getMimeType(path) ??
      (extname(path) === '.webmanifest' ? 'application/manifest+json' : 'application/octet-stream');
    const headers: Record<string, string> = {
      'content-type': type,
      'cache-control': cacheControl,
      'x-content-type-options': 'nosniff',
    };
    if (COMPRESSIBLE.test(type) && statSync(path).size >= MIN_COMPRESS_BYTES) {
      // Caches keep the plain and the gzipped answer apart.
      headers.vary = 'accept-encoding';
      if (acceptsGzip(c.req.header('accept-encoding'))) {
        return c.body(compressed(path), 200, { ...headers, 'content-encoding': 'gzip' });
      }
    }
    return c.body(new Uint8Array(readFileSync(path)), 200, headers);
  };
  const notFound = (c: Context) =>
    c.json({ error: { code: 'not_found', message: `no route for ${c.req.method} ${c.req.path}` } }, 404);
  const servePage = (c: Context) => {
    const index = indexFile();
    return index
      ? sendFile(c, index, NO_CACHE)
      : c.html(landingPage(options.version, { webAppBuilt: false }));
  };
  const serveFrom = (cacheControl: string) => (c: Context) => {
    const path = fileInside(root, c.req.path);
    return path ? sendFile(c, path, cacheControl) : notFound(c);
  };

  app.get('/', servePage);
  app.get('/assets/*', serveFrom(IMMUTABLE));
  app.get('/icons/*', serveFrom(ICON_CACHE));
  // The service worker and manifest are checked on every visit so an update reaches the phone.
  app.get('/manifest.webmanifest', serveFrom(NO_CACHE));
  app.get('/sw.js', serveFrom(NO_CACHE));
  app.get('/*', (c) => {
    const path = c.req.path;
    if (path === '/v1' || path.startsWith('/v1/') || path === '/healthz') return notFound(c);
    if (!acceptsHtml(c.req.header('accept')) || !indexFile()) return notFound(c);
    return servePage(c);
  });
}
