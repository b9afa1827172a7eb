/**
 * Typed application errors. Services throw AppError with a module code; the HTTP edge maps
 * the code to a status through one table (`problemFor`). Anything else is a 500 with a bare
 * body, and the full error goes to the log.
 */
export type FieldError = { path: string; message: string };

const STATUS_BY_KIND = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  unprocessable: 422,
  rate_limited: 429,
  unavailable: 503,
} as const;

export type ErrorKind = keyof typeof STATUS_BY_KIND;

const TITLES: Record<ErrorKind, string> = {
  bad_request: 'Bad request',
  unauthorized: 'Not signed in',
  forbidden: 'Not allowed',
  not_found: 'Not found',
  conflict: 'Conflict',
  payload_too_large: 'Payload too large',
  unsupported_media_type: 'Unsupported media type',
  unprocessable: 'Invalid field values',
  rate_limited: 'Too many requests',
  unavailable: 'Service unavailable',
};

export class AppError extends Error {
  readonly status: number;
  constructor(
    readonly kind: ErrorKind,
    /** A stable machine code such as LEAD_NOT_FOUND. */
    readonly code: string,
    detail?: string,
    readonly errors: FieldError[] = [],
    readonly headers: Record<string, string> = {},
  ) {
    super(detail ?? TITLES[kind]);
    this.name = 'AppError';
    this.status = STATUS_BY_KIND[kind];
  }
}

export function notFound(code: string, detail = 'Not found'): AppError {
  return new AppError('not_found', code, detail);
}

export function invalid(code: string, errors: FieldError[], detail = 'Some fields are invalid'): AppError {
  return new AppError('unprocessable', code, detail, errors);
}

export type Problem = {
  type: string;
  title: string;
  status: number;
  detail?: string;
  code?: string;
  errors?: FieldError[];
  requestId?: string;
};

export function problemFor(kind: ErrorKind, detail?: string, extra: Partial<Problem> = {}): Problem {
  return {
    type: `https://porchlight.dev/problems/${kind.replace(/_/g, '-')}`,
    title: TITLES[kind],
    status: STATUS_BY_KIND[kind],
    ...(detail ? { detail } : {}),
    ...extra,
  };
}

export function kindForStatus(status: number): ErrorKind | undefined {
  return (Object.entries(STATUS_BY_KIND) as [ErrorKind, number][]).find(([, s]) => s === status)?.[0];
}
