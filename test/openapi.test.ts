import { readFileSync } from 'node:fs';
import SwaggerParser from '@apidevtools/swagger-parser';
import { describe, expect, it } from 'vitest';
import { OPENAPI_FILE, openApiDocument } from '../scripts/openapi.ts';

type Operation = {
  security?: unknown[];
  requestBody?: unknown;
  responses?: Record<string, { content?: unknown }>;
};

/**
 * The published API description: the committed docs/openapi.json is what the app builds (CI
 * fails on drift: run `npm run openapi` and commit), it is a valid OpenAPI 3.1 document, and
 * every /api/v1 operation describes its answers and, when it is not public, how to call it.
 */
describe('OpenAPI document', () => {
  let built: string;

  it('matches the committed docs/openapi.json (run `npm run openapi` after changing a route)', async () => {
    built = await openApiDocument();
    const committed = readFileSync(OPENAPI_FILE, 'utf8');
    expect(committed === built, 'docs/openapi.json is stale: run `npm run openapi` and commit it').toBe(true);
  });

  it('validates with @apidevtools/swagger-parser', async () => {
    built ??= await openApiDocument();
    const api = (await SwaggerParser.validate(JSON.parse(built))) as { openapi?: string };
    expect(api.openapi).toBe('3.1.0');
  });

  it('describes the answers of every /api/v1 operation and how it is called', async () => {
    built ??= await openApiDocument();
    const doc = JSON.parse(built) as { paths: Record<string, Record<string, Operation>> };
    const paths = Object.entries(doc.paths).filter(([path]) => path.startsWith('/api/v1/'));
    expect(paths.length).toBeGreaterThan(60);
    for (const [path, operations] of paths) {
      for (const [method, op] of Object.entries(operations)) {
        if (method === 'options') continue;
        const label = `${method.toUpperCase()} ${path}`;
        expect(Object.keys(op.responses ?? {}), label).not.toHaveLength(0);
        expect(op.security, `${label} says nothing of how to call it`).toBeDefined();
      }
    }
  });
});
