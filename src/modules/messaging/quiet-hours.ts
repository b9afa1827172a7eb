/**
 * Quiet hours for SMS and calls to leads (TCPA-style): nothing goes out before 08:00 or from
 * 21:00 on in the lead's own time zone. Local times are read with Intl.DateTimeFormat (the
 * ICU/tz data Node ships), so DST changes follow the zone's real rules with no dependency.
 */

/** A daily window of allowed local hours: [startHour:00, endHour:00), whole hours, 0–24. */
export type QuietWindow = { readonly startHour: number; readonly endHour: number };

/** Messages may go out from 08:00 up to (not including) 21:00 local time. */
export const QUIET_HOURS: QuietWindow = Object.freeze({ startHour: 8, endHour: 21 });

/**
 * The zone used when a zone string is not a valid IANA name. A bad account setting must not
 * stop messaging or throw inside a job, and New York is the most common US zone for a lead.
 */
export const FALLBACK_TIME_ZONE = 'America/New_York';

/** A wall-clock reading in some zone (month 1–12, hour 0–23). */
export type LocalTime = {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
};

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Only valid zones are cached, so the map stays as small as the tz database. */
function formatterFor(zone: string): Intl.DateTimeFormat | null {
  const cached = formatters.get(zone);
  if (cached) return cached;
  if (typeof zone !== 'string' || zone.trim() === '') return null;
  try {
    const f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(zone, f);
    return f;
  } catch {
    return null;
  }
}

/**
 * `zone` if it is a time zone Intl knows, else {@link FALLBACK_TIME_ZONE}, so that callers
 * never throw on a bad stored value.
 */
export function resolveTimeZone(zone: string): string {
  return formatterFor(zone) ? zone : FALLBACK_TIME_ZONE;
}

/** The wall-clock time of `instant` in `zone` (an invalid zone reads as New York). */
export function localTime(instant: Date, zone: string): LocalTime {
  const ms = instant.getTime();
  if (Number.isNaN(ms)) throw new RangeError('Invalid Date');
  const f = formatterFor(zone) ?? formatterFor(FALLBACK_TIME_ZONE)!;
  const out: LocalTime = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0 };
  for (const part of f.formatToParts(instant)) {
    if (part.type in out) out[part.type as keyof LocalTime] = Number(part.value);
  }
  return out;
}

/** The local hour (0–23) of `instant` in `zone`. */
export function localHour(instant: Date, zone: string): number {
  return localTime(instant, zone).hour;
}

/** UTC offset of `zone` at epoch milliseconds `ms`, in milliseconds (east of UTC positive). */
function offsetAt(ms: number, zone: string): number {
  const t = localTime(new Date(ms), zone);
  const wall = Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute, t.second);
  return wall - (ms - (((ms % 1000) + 1000) % 1000));
}

/**
 * The instant at which `zone` reads the given wall-clock time. When the time occurs twice
 * (clocks fall back) the first is taken; when it does not exist (clocks spring forward) the
 * clock reading is moved on by the gap, as the clocks themselves do.
 */
function instantAt(
  t: { year: number; month: number; day: number; hour: number; minute: number },
  zone: string,
): Date {
  const wall = Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute);
  const day = 86_400_000;
  const before = offsetAt(wall - day, zone);
  const offsets = new Set([before, offsetAt(wall, zone), offsetAt(wall + day, zone)]);
  let best: number | null = null;
  for (const offset of offsets) {
    const candidate = wall - offset;
    if (offsetAt(candidate, zone) === offset && (best === null || candidate < best)) best = candidate;
  }
  return new Date(best ?? wall - before);
}

function checkWindow(window: QuietWindow): void {
  const { startHour, endHour } = window;
  if (!Number.isInteger(startHour) || !Number.isInteger(endHour) || startHour < 0 || endHour > 24) {
    throw new RangeError('quiet-hours window hours must be whole hours within 0–24');
  }
  if (startHour >= endHour) throw new RangeError('quiet-hours window must start before it ends');
}

/**
 * True when `now` falls outside the allowed window in `zone`, i.e. an SMS or call must wait.
 * An invalid zone is read as {@link FALLBACK_TIME_ZONE}.
 */
export function isQuietTime(now: Date, zone: string, window: QuietWindow = QUIET_HOURS): boolean {
  checkWindow(window);
  const hour = localHour(now, zone);
  return hour < window.startHour || hour >= window.endHour;
}

/**
 * When an SMS or call to a lead in `zone` may go out: `now` itself (the same object) when the
 * local time is within [startHour, endHour), otherwise the next local startHour:00 — later
 * the same day before the window opens, the next day after it closes — as an absolute
 * instant, so a job can be scheduled at it. The offset is that of the target day, so it is
 * right across DST changes. An invalid zone is read as {@link FALLBACK_TIME_ZONE}.
 */
export function nextAllowedTime(now: Date, zone: string, window: QuietWindow = QUIET_HOURS): Date {
  checkWindow(window);
  const z = resolveTimeZone(zone);
  const t = localTime(now, z);
  if (t.hour >= window.startHour && t.hour < window.endHour) return now;
  const day = new Date(Date.UTC(t.year, t.month - 1, t.day + (t.hour >= window.endHour ? 1 : 0)));
  return instantAt(
    {
      year: day.getUTCFullYear(),
      month: day.getUTCMonth() + 1,
      day: day.getUTCDate(),
      hour: window.startHour,
      minute: 0,
    },
    z,
  );
}
