/**
 * HTML building for the public site. `html` is a tagged template that escapes every
 * interpolated value unless it is itself the result of `html` (or of `raw`, for trusted
 * constants such as the stylesheet): a template cannot forget to escape. Values are escaped
 * for both text and quoted attribute positions, so every attribute must be quoted.
 */

const SAFE = Symbol('safe-html');

export type SafeHtml = { readonly [SAFE]: true; readonly value: string };

export type HtmlValue = SafeHtml | string | number | boolean | null | undefined | readonly HtmlValue[];

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
};

/** Escapes text for an element's content or a quoted attribute value. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"'`]/g, (c) => ESCAPES[c]!);
}

function isSafe(value: unknown): value is SafeHtml {
  return typeof value === 'object' && value !== null && SAFE in value;
}

/** Trusted markup, never built from anything a visitor or an account wrote. */
export function raw(value: string): SafeHtml {
  return { [SAFE]: true, value };
}

function render(value: HtmlValue): string {
  if (value === null || value === undefined || value === false) return '';
  if (isSafe(value)) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(String(value));
}

/** `null`, `undefined` and `false` render as nothing; arrays are joined; the rest is escaped. */
export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let out = strings[0] ?? '';
  for (let i = 0; i < values.length; i++) out += render(values[i]!) + (strings[i + 1] ?? '');
  return raw(out);
}

/** ` name="value"`, or nothing for null/undefined/false; `true` gives the bare attribute. */
export function attr(name: string, value: string | number | boolean | null | undefined): SafeHtml {
  if (value === null || value === undefined || value === false) return raw('');
  if (value === true) return raw(` ${name}`);
  return raw(` ${name}="${escapeHtml(String(value))}"`);
}

/** An http(s) URL or a root-relative path, else null: other schemes never reach an attribute. */
export function safeUrl(value: string | null | undefined, origin: string): string | null {
  if (!value) return null;
  try {
    const url = new URL(value, `${origin}/`);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.toString() : null;
  } catch {
    return null;
  }
}
