/**
 * Writes the OpenAPI document the server publishes at /api/openapi.json to docs/openapi.json
 * (`npm run openapi`). test/openapi.test.ts regenerates it and fails when the committed copy
 * differs, so the document in the repository is always the API as built.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildApp } from '../src/app.ts';
import { testConfig } from '../src/config.ts';
import type { Database } from '../src/db/client.ts';
import { createLogger } from '../src/platform/logger.ts';

export const OPENAPI_FILE = fileURLToPath(new URL('../docs/openapi.json', import.meta.url));

/** The document as the app builds it, for a fixed base URL (no database is touched). */
export async function openApiDocument(): Promise<string> {
  const app = await buildApp({
    config: testConfig({ BASE_URL: 'http://localhost:3000' }),
    db: {} as Database,
    logger: createLogger('silent'),
  });
  try {
    await app.ready();
    return `${JSON.stringify(app.swagger(), null, 2)}\n`;
  } finally {
    await app.close();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(OPENAPI_FILE, await openApiDocument());
  console.log(`wrote ${OPENAPI_FILE}`);
}
