import pino, { type Logger, type LoggerOptions } from 'pino';

/**
 * Keys whose values never reach a log line, wherever they appear (headers, bodies, nested
 * objects, up to four levels deep). Logs carry ids, not personal data or secrets.
 */
export const REDACTED_KEYS = [
  'authorization',
  'cookie',
  'set-cookie',
  'password',
  'passwordHash',
  'token',
  'apiKey',
  'api_key',
  'secret',
  'accessToken',
  'refreshToken',
] as const;

function redactPaths(): string[] {
  const paths: string[] = [];
  for (const key of REDACTED_KEYS) {
    const k = /^[A-Za-z_$][\w$]*$/.test(key) ? key : `["${key}"]`;
    const dot = k.startsWith('[') ? '' : '.';
    paths.push(k, `*${dot}${k}`, `*.*${dot}${k}`, `*.*.*${dot}${k}`, `*.*.*.*${dot}${k}`);
  }
  return paths;
}

export function loggerOptions(level: string): LoggerOptions {
  return {
    level,
    redact: { paths: redactPaths(), censor: '[redacted]' },
    base: { service: 'porchlight' },
    timestamp: pino.stdTimeFunctions.isoTime,
    serializers: {
      // The path without its query string: queries can carry personal data (search, emails).
      req: (req: { method?: string; url?: string; id?: string }) => ({
        method: req.method,
        path: req.url?.split('?')[0],
      }),
      // A database error carries the statement's bound values and a detail that may quote
      // them (emails, phones): neither is logged.
      err: (error: Error) => {
        const out = pino.stdSerializers.err(error) as ReturnType<typeof pino.stdSerializers.err> & {
          params?: unknown;
          detail?: unknown;
        };
        if (out && typeof out === 'object') {
          if ('params' in out) out.params = '[redacted]';
          if ('detail' in out && out.detail) out.detail = '[redacted]';
        }
        return out;
      },
    },
  };
}

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return destination ? pino(loggerOptions(level), destination) : pino(loggerOptions(level));
}

export type { Logger };
