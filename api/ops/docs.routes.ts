// The OpenAPI document and a Swagger UI served from the local swagger-ui-dist package (no CDN).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import Router from '@koa/router';
import type { ShopState } from '../context';
import { openApiDocument } from '../openapi';

const ASSETS = new Set([
  'swagger-ui.css',
  'swagger-ui-bundle.js',
  'swagger-ui-standalone-preset.js',
  'favicon-32x32.png',
]);

const page = `<!doctype html>
<html><head><meta charset="utf-8"><title>Temporal Shop API</title>
<link rel="stylesheet" href="/api/docs/swagger-ui.css"></head>
<body><div id="ui"></div>
<script src="/api/docs/swagger-ui-bundle.js"></script>
<script src="/api/docs/init.js"></script>
</body></html>`;

export function docsRouter(): Router<ShopState> {
  const router = new Router<ShopState>();
  const assetDir = path.dirname(require.resolve('swagger-ui-dist/package.json'));
  const doc = JSON.stringify(openApiDocument());
  router.get('/api/openapi.json', (ctx) => {
    ctx.type = 'application/json';
    ctx.body = doc;
  });
  router.get('/api/docs', (ctx) => {
    // Swagger UI needs inline styles; scripts stay same-origin.
    ctx.set('Content-Security-Policy', "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:");
    ctx.type = 'html';
    ctx.body = page;
  });
  router.get('/api/docs/init.js', (ctx) => {
    ctx.type = 'application/javascript';
    ctx.body = "window.ui = SwaggerUIBundle({ url: '/api/openapi.json', dom_id: '#ui' });";
  });
  router.get('/api/docs/:asset', (ctx) => {
    const asset = (ctx as unknown as { params: { asset: string } }).params.asset;
    if (!ASSETS.has(asset)) return;
    ctx.type = path.extname(asset);
    ctx.body = readFileSync(path.join(assetDir, asset));
  });
  return router;
}
