import type { PublicBranding } from '../modules/pages/public.service.ts';

/**
 * The account's colours as CSS custom properties. Only `#rrggbb` values reach the stylesheet
 * (anything else falls back to the default), so branding can never break out of `<style>`.
 * Text on a colour is black or white, whichever reads better (WCAG relative luminance).
 */

const HEX = /^#[0-9a-f]{6}$/i;
export const DEFAULT_PRIMARY = '#1f4fd1';
export const DEFAULT_ACCENT = '#f59e0b';

type Rgb = [number, number, number];

function parse(hex: string): Rgb {
  return [1, 3, 5].map((i) => Number.parseInt(hex.slice(i, i + 2), 16)) as Rgb;
}

function toHex(rgb: Rgb): string {
  return `#${rgb
    .map((c) =>
      Math.round(Math.min(255, Math.max(0, c)))
        .toString(16)
        .padStart(2, '0'),
    )
    .join('')}`;
}

function luminance([r, g, b]: Rgb): number {
  const lin = (c: number) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

function contrast(a: Rgb, b: Rgb): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

/** `amount` (0–1) of the way from `hex` to `target`. */
function mix(hex: string, target: Rgb, amount: number): string {
  const from = parse(hex);
  return toHex(from.map((c, i) => c + (target[i]! - c) * amount) as Rgb);
}

const BLACK: Rgb = [17, 20, 28];
const WHITE: Rgb = [255, 255, 255];

/** Black or white text, whichever contrasts more with the colour. */
export function textOn(hex: string): string {
  const rgb = parse(hex);
  return contrast(rgb, WHITE) >= contrast(rgb, BLACK) ? '#ffffff' : toHex(BLACK);
}

/** A colour made darker until white text reads on it at 4.5:1 (for headings and links). */
function deepen(hex: string): string {
  let out = hex;
  for (let i = 1; i <= 10 && contrast(parse(out), WHITE) < 4.5; i++) out = mix(hex, [0, 0, 0], i * 0.08);
  return out;
}

export function colour(value: string | null | undefined, fallback: string): string {
  return value && HEX.test(value) ? value.toLowerCase() : fallback;
}

/** The `:root` declarations for one account's pages. */
export function themeVariables(branding: Pick<PublicBranding, 'primaryColor' | 'accentColor' | 'theme'>) {
  const primary = colour(branding.primaryColor, DEFAULT_PRIMARY);
  const accent = colour(branding.accentColor, DEFAULT_ACCENT);
  const deep = deepen(primary);
  const dark = branding.theme === 'dark';
  const vars: Record<string, string> = {
    '--primary': primary,
    '--on-primary': textOn(primary),
    '--primary-deep': deep,
    '--hero-end': mix(deep, [0, 0, 0], 0.35),
    '--accent': accent,
    '--on-accent': textOn(accent),
    '--accent-hover': mix(accent, [0, 0, 0], 0.12),
    '--bg': dark ? '#0f1218' : '#f5f6fa',
    '--surface': dark ? '#181c24' : '#ffffff',
    '--text': dark ? '#eef1f6' : '#151a24',
    '--muted': dark ? '#a9b1bf' : '#545d6e',
    '--border': dark ? '#384051' : '#c9cfda',
    '--soft': dark ? '#222835' : mix(primary, WHITE, 0.92),
    '--link': dark ? mix(primary, WHITE, 0.55) : deep,
    '--error': dark ? '#ff9b8f' : '#b42318',
    '--error-bg': dark ? '#3a1d1b' : '#fef3f2',
    '--focus': dark ? '#ffd166' : deep,
    'color-scheme': dark ? 'dark' : 'light',
  };
  return `:root{${Object.entries(vars)
    .map(([k, v]) => `${k}:${v}`)
    .join(';')}}`;
}
