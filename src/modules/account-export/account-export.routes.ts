import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ModuleDeps } from '../../platform/module.ts';
import { hashIp } from '../../platform/tokens.ts';
import { ArchiveAbortedError, startAccountExport, writeAccountArchive } from './account-export.service.ts';

/**
 * `GET /api/v1/account/export`: the whole account as a zip, streamed as it is read (see
 * account-export.service.ts and decision 018). For owners and admins, and API keys with
 * `account:read`.
 */
export function registerAccountExportRoutes(app: FastifyInstance, deps: ModuleDeps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get(
    '/api/v1/account/export',
    {
      config: { auth: 'admin', scope: 'account:read' },
      // A HEAD would read (and audit) the whole archive to throw it away.
      exposeHeadRoute: false,
      schema: {
        tags: ['account'],
        summary:
          'Download everything of the account: a zip of one JSON Lines file per table and manifest.json (secrets withheld)',
        response: {
          200: z
            .unknown()
            .describe(
              'application/zip, Content-Disposition attachment porchlight-<slug>-<date>.zip: <table>.jsonl for every table of the account, accounts.jsonl, users.jsonl, manifest.json',
            ),
        },
      },
    },
    async (request, reply) => {
      const auth = request.auth!;
      const at = new Date();
      const { fileName } = await startAccountExport(
        deps.db,
        auth.accountId,
        {
          userId: auth.via === 'session' ? auth.userId : null,
          apiKeyId: auth.apiKeyId ?? null,
          ipHash: hashIp(request.ip, deps.pepper),
        },
        at,
      );
      reply
        .type('application/zip')
        .header('content-disposition', `attachment; filename="${fileName}"`)
        .header('cache-control', 'no-store');
      // The embedded PGlite has one session: a download as slow as its reader would keep every
      // other request waiting on the archive's transaction. There the zip is written to a
      // private temporary file first (seconds), and the file is what the reader waits on.
      if (deps.db.engine === 'pglite') return reply.send(await archiveFile(deps, auth.accountId, at));
      const out = new PassThrough({ highWaterMark: 256 * 1024 });
      reply.send(out);
      try {
        await writeAccountArchive(deps.db, auth.accountId, out, at);
      } catch (error) {
        // The headers are gone: a failure can only cut the download short (the zip is then
        // unreadable, never silently partial).
        if (!(error instanceof ArchiveAbortedError))
          request.log.error({ err: error }, 'account export failed');
        out.destroy(error instanceof Error ? error : new Error(String(error)));
      }
      return reply;
    },
  );
}

/** The archive written whole to a file only this process can read, streamed and then deleted. */
async function archiveFile(deps: ModuleDeps, accountId: string, at: Date): Promise<fs.ReadStream> {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'porchlight-archive-'));
  const file = path.join(dir, 'archive.zip');
  const remove = () => void fsp.rm(dir, { recursive: true, force: true });
  try {
    const sink = fs.createWriteStream(file, { mode: 0o600 });
    await writeAccountArchive(deps.db, accountId, sink, at);
    await finished(sink);
  } catch (error) {
    remove();
    throw error;
  }
  const stream = fs.createReadStream(file);
  stream.on('close', remove);
  return stream;
}
