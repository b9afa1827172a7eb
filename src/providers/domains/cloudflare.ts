import { AppError } from '../../platform/errors.ts';
import {
  type DomainStatus,
  type DomainsProvider,
  type ProviderHostname,
  routingRecord,
  type VerificationRecord,
} from './types.ts';

/**
 * Cloudflare for SaaS custom hostnames over its documented HTTP API (client/v4), with the
 * global fetch and an API token scoped to the SaaS zone (SSL and Certificates: Edit).
 * https://developers.cloudflare.com/api/resources/custom_hostnames/
 */
export type CloudflareOptions = {
  apiUrl: string;
  apiToken: string;
  zoneId: string;
  cnameTarget: string;
  timeoutMs?: number;
};

/** The parts of Cloudflare's custom hostname object this adapter reads. */
type CfHostname = {
  id: string;
  hostname: string;
  status?: string | null;
  ssl?: {
    status?: string | null;
    validation_records?: { txt_name?: string; txt_value?: string; http_url?: string; http_body?: string }[];
    validation_errors?: { message?: string }[];
  } | null;
  ownership_verification?: { type?: string; name?: string; value?: string } | null;
  verification_errors?: string[] | null;
};

type CfError = { code?: number; message?: string };
type Envelope<T> = { success?: boolean; errors?: CfError[]; result?: T | null };

// "Duplicate custom hostname found": this zone already has it (our own earlier attempt).
const DUPLICATE_HOSTNAME = 1406;

const FAILED_STATUSES = new Set([
  'moved',
  'deleted',
  'blocked',
  'pending_deletion',
  'test_failed',
  'test_blocked',
]);
const FAILED_SSL = new Set(['expired', 'deleted', 'inactive', 'pending_deletion']);

/** Cloudflare's hostname and certificate states, as one of ours. */
export function mapCloudflareStatus(
  status: string | null | undefined,
  sslStatus: string | null | undefined,
): DomainStatus {
  if (
    (status && FAILED_STATUSES.has(status)) ||
    (sslStatus && (FAILED_SSL.has(sslStatus) || sslStatus.endsWith('_timed_out')))
  ) {
    return 'failed';
  }
  if ((status === 'active' || status === 'active_redeploying') && sslStatus === 'active') return 'active';
  return 'pending';
}

class CloudflareFailure extends Error {
  constructor(
    readonly httpStatus: number,
    readonly errors: CfError[],
  ) {
    super('Cloudflare refused the request');
  }
  has(code: number) {
    return this.errors.some((e) => e.code === code);
  }
}

export function createCloudflareDomainsProvider(options: CloudflareOptions): DomainsProvider {
  const base = `${options.apiUrl.replace(/\/+$/, '')}/zones/${encodeURIComponent(options.zoneId)}/custom_hostnames`;
  const timeoutMs = options.timeoutMs ?? 15_000;
  // Cloudflare's messages never hold the token, but nothing that leaves here may.
  const scrub = (text: string) => (options.apiToken ? text.split(options.apiToken).join('[redacted]') : text);

  async function call<T>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await fetch(`${base}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${options.apiToken}`,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch {
      throw new AppError(
        'unavailable',
        'DOMAIN_PROVIDER_UNREACHABLE',
        'Cloudflare could not be reached; try again shortly',
      );
    }
    const envelope = (await res.json().catch(() => undefined)) as Envelope<T> | undefined;
    if (!res.ok || envelope?.success !== true)
      throw new CloudflareFailure(res.status, envelope?.errors ?? []);
    return envelope.result as T;
  }

  /** A refusal as the customer sees it: 503 with Cloudflare's own codes and words. */
  function asAppError(error: unknown): unknown {
    if (!(error instanceof CloudflareFailure)) return error;
    const said = error.errors
      .map((e) => `${e.code ?? '?'}: ${e.message ?? 'no message'}`)
      .join('; ')
      .slice(0, 500);
    return new AppError(
      'unavailable',
      'DOMAIN_PROVIDER_ERROR',
      scrub(`Cloudflare refused the request (HTTP ${error.httpStatus}${said ? `; ${said}` : ''})`),
    );
  }

  function describe(h: CfHostname): ProviderHostname {
    const records: VerificationRecord[] = [routingRecord(h.hostname, options.cnameTarget)];
    const own = h.ownership_verification;
    if (own?.name && own.value) {
      records.push({ type: 'TXT', name: own.name, value: own.value, purpose: 'ownership' });
    }
    for (const r of h.ssl?.validation_records ?? []) {
      if (r.txt_name && r.txt_value) {
        records.push({ type: 'TXT', name: r.txt_name, value: r.txt_value, purpose: 'certificate' });
      } else if (r.http_url && r.http_body) {
        records.push({ type: 'HTTP', name: r.http_url, value: r.http_body, purpose: 'certificate' });
      }
    }
    const errors = [
      ...(h.verification_errors ?? []),
      ...(h.ssl?.validation_errors ?? []).map((e) => e.message ?? ''),
    ].filter((e) => e !== '');
    return {
      providerId: h.id,
      status: mapCloudflareStatus(h.status, h.ssl?.status),
      verification: {
        cnameTarget: options.cnameTarget,
        records,
        sslStatus: h.ssl?.status ?? null,
        errors: errors.map(scrub),
      },
    };
  }

  return {
    name: 'cloudflare',

    async createHostname(hostname) {
      try {
        return describe(
          await call<CfHostname>('POST', '', { hostname, ssl: { method: 'http', type: 'dv' } }),
        );
      } catch (error) {
        if (!(error instanceof CloudflareFailure && error.has(DUPLICATE_HOSTNAME))) throw asAppError(error);
      }
      // The zone already has it: ours (the hostname claim in our database is unique), left by
      // an attempt that did not finish. Adopt it rather than refuse the customer.
      try {
        const found = await call<CfHostname[]>('GET', `?hostname=${encodeURIComponent(hostname)}`);
        const mine = found.find((h) => h.hostname === hostname);
        if (mine) return describe(mine);
      } catch (error) {
        throw asAppError(error);
      }
      throw new AppError('conflict', 'DOMAIN_PROVIDER_CONFLICT', 'Cloudflare already has this hostname', [
        { path: 'hostname', message: 'is already registered with the certificate provider' },
      ]);
    },

    async getHostname(providerId) {
      try {
        return describe(await call<CfHostname>('GET', `/${encodeURIComponent(providerId)}`));
      } catch (error) {
        if (error instanceof CloudflareFailure && error.httpStatus === 404) {
          throw new AppError(
            'unavailable',
            'DOMAIN_PROVIDER_MISSING',
            'Cloudflare no longer has this hostname',
          );
        }
        throw asAppError(error);
      }
    },

    async deleteHostname(providerId) {
      try {
        await call<unknown>('DELETE', `/${encodeURIComponent(providerId)}`);
      } catch (error) {
        if (error instanceof CloudflareFailure && error.httpStatus === 404) return;
        throw asAppError(error);
      }
    },
  };
}
