import type { FieldSpec } from '../modules/intake/fields.ts';
import { attr, html, type SafeHtml } from './html.ts';

/**
 * A capture form's inputs, drawn generically from PAGE_FIELDS: each with a real label, its hint
 * and error tied to it by aria-describedby, aria-invalid when wrong, and the visitor's value kept.
 * Number fields are text inputs with a numeric keyboard, so "$450,000" is kept as typed.
 */

export type FormValues = Record<string, string>;
/** Field name → the message shown beside it. */
export type FieldErrors = Map<string, string>;

export const fieldId = (name: string) => `f-${name}`;
const TRUE = new Set(['yes', 'on', 'true', '1']);
const CONTACT_NOTE_ID = 'contact-note';

/** What a visitor reads for an intake error: plain words, naming the field. */
export function friendlyError(spec: FieldSpec | undefined, path: string, message: string): string {
  if (path === 'phone' && /valid phone/i.test(message)) {
    return 'Enter a valid phone number, including the area code';
  }
  if (path === 'email' && /not an email/i.test(message)) {
    return 'Enter a valid email address, like name@example.com';
  }
  if (path === 'email' && /email address or a phone/i.test(message)) {
    return 'Enter an email address or a phone number, so we can reply';
  }
  // The form's own hidden inputs: nothing the visitor typed, so nothing to point at.
  if (path.startsWith('_') || path === 'Idempotency-Key') {
    return 'This form could not be sent as it was. Please check it and send it again';
  }
  if (!spec) return message.charAt(0).toUpperCase() + message.slice(1);
  if (/^is required$/i.test(message)) return `${spec.label} is required`;
  if (/^[a-z]/.test(message)) return `${spec.label} ${message}`;
  return message;
}

function describedBy(spec: FieldSpec, hasError: boolean): string | null {
  const ids = [
    spec.hint ? `${fieldId(spec.name)}-hint` : null,
    spec.group === 'contact' ? CONTACT_NOTE_ID : null,
    hasError ? `${fieldId(spec.name)}-error` : null,
  ].filter(Boolean);
  return ids.length ? ids.join(' ') : null;
}

function control(spec: FieldSpec, value: string, error: string | undefined): SafeHtml {
  const id = fieldId(spec.name);
  const common = html`${attr('id', id)}${attr('name', spec.name)}${attr('autocomplete', spec.autocomplete)}${attr(
    'required',
    spec.required === true,
  )}${attr('aria-invalid', error ? 'true' : null)}${attr('aria-describedby', describedBy(spec, !!error))}`;
  switch (spec.type) {
    case 'textarea':
      return html`<textarea${common} rows="4">${value}</textarea>`;
    case 'select':
      return html`<select${common}><option value="">Choose one</option>${(spec.options ?? []).map(
        (o) =>
          html`<option${attr('value', o.value)}${attr('selected', o.value === value)}>${o.label}</option>`,
      )}</select>`;
    case 'checkbox':
      return html`<input type="checkbox"${common} value="yes"${attr('checked', TRUE.has(value.toLowerCase()))}>`;
    case 'number':
      return html`<input type="text" inputmode="decimal"${common}${attr('value', value)}>`;
    case 'tel':
      return html`<input type="tel" inputmode="tel"${common}${attr('value', value)}>`;
    case 'email':
      return html`<input type="email" spellcheck="false"${common}${attr('value', value)}>`;
    default:
      return html`<input type="text"${common}${attr('value', value)}>`;
  }
}

function errorLine(name: string, error: string | undefined): SafeHtml {
  if (!error) return html``;
  return html`<p class="field-error"${attr('id', `${fieldId(name)}-error`)}><span class="visually-hidden">Error: </span>${error}</p>`;
}

export function renderField(spec: FieldSpec, values: FormValues, errors: FieldErrors): SafeHtml {
  const value = values[spec.name] ?? '';
  const error = errors.get(spec.name);
  const id = fieldId(spec.name);
  const hint = spec.hint ? html`<p class="hint"${attr('id', `${id}-hint`)}>${spec.hint}</p>` : '';
  if (spec.type === 'checkbox') {
    return html`<div${attr('class', error ? 'field has-error' : 'field')}>${errorLine(spec.name, error)}${hint}
<div class="check">${control(spec, value, error)}<label${attr('for', id)}>${spec.label}</label></div></div>`;
  }
  const req = spec.required ? html` <span class="req">(required)</span>` : '';
  return html`<div${attr('class', error ? 'field has-error' : 'field')}>
<label${attr('for', id)}>${spec.label}${req}</label>${hint}${errorLine(spec.name, error)}
${control(spec, value, error)}</div>`;
}

/** Short inputs (numbers) share a row even on a phone; wider ones only on wider screens. */
function rowClass(group: readonly FieldSpec[]): string {
  const compact = group.every((s) => s.type === 'number') ? ' compact' : '';
  return `row cols-${Math.min(group.length, 3)}${compact}`;
}

/** Fields in order; neighbours of one group share a row on wide screens. */
export function renderFields(specs: readonly FieldSpec[], values: FormValues, errors: FieldErrors): SafeHtml {
  const out: SafeHtml[] = [];
  for (let i = 0; i < specs.length; ) {
    const spec = specs[i]!;
    let j = i + 1;
    while (spec.group && j < specs.length && specs[j]!.group === spec.group) j++;
    const group = specs.slice(i, j);
    const fields = group.map((s) => renderField(s, values, errors));
    const note =
      spec.group === 'contact'
        ? html`<p class="contact-note"${attr('id', CONTACT_NOTE_ID)}>An email or a phone number is needed so we can reply.</p>`
        : '';
    out.push(
      group.length > 1
        ? html`${note}<div${attr('class', rowClass(group))}>${fields}</div>`
        : html`${note}${fields}`,
    );
    i = j;
  }
  return html`${out}`;
}

/** The consent checkbox, when the page or the account's branding has consent text. */
export function renderConsent(text: string | null, values: FormValues, errors: FieldErrors): SafeHtml {
  if (!text) return html``;
  const error = errors.get('consent');
  const spec: FieldSpec = { name: 'consent', label: text, type: 'checkbox' };
  return html`<div${attr('class', error ? 'field consent has-error' : 'field consent')}>${errorLine('consent', error)}
<div class="check">${control(spec, values.consent ?? '', error)}<label${attr('for', fieldId('consent'))}>${text}</label></div></div>`;
}
