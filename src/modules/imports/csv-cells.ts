/**
 * Formula injection: a spreadsheet runs a cell that starts with `=`, `+`, `-` or `@` (and, in some,
 * a tab or carriage return) as a formula, so an export prefixes such a cell with `'`, which the
 * spreadsheet shows as text. The `porchlight` import preset takes the prefix off again, so our own
 * files round-trip exactly (phones in E.164 start with `+`).
 */
// A cell that already starts with quotes before such a character gets one more, so unescaping
// (one quote off) gives back exactly what was there.
const FORMULA_START = /^'*[=+\-@\t\r]/;
const ESCAPED = /^'+[=+\-@\t\r]/;

export function escapeCell(value: string): string {
  return FORMULA_START.test(value) ? `'${value}` : value;
}

export function unescapeCell(value: string): string {
  return ESCAPED.test(value) ? value.slice(1) : value;
}
