import type { PageKind } from '../intake/fields.ts';

/**
 * Message wording: `{{name.path}}` variables filled from a fixed set of values. An unknown
 * variable, or one with no value, becomes empty text, never the braces.
 */
export type TemplateValues = {
  lead: {
    firstName: string;
    fullName: string;
    email: string;
    phone: string;
    address: string;
    message: string;
  };
  agent: { name: string; phone: string; email: string };
  account: { name: string };
  page: { title: string };
};

const VARIABLE = /\{\{\s*([a-zA-Z]+)\.([a-zA-Z]+)\s*\}\}/g;

/** The variables a template may use, as `{{group.field}}`. */
export const TEMPLATE_VARIABLES: Record<keyof TemplateValues, readonly string[]> = {
  lead: ['firstName', 'fullName', 'email', 'phone', 'address', 'message'],
  agent: ['name', 'phone', 'email'],
  account: ['name'],
  page: ['title'],
};

/** Each `{{…}}` in the text that is not a known variable, as written. */
export function unknownVariables(text: string): string[] {
  const unknown: string[] = [];
  for (const match of text.matchAll(/\{\{([^{}]*)\}\}/g)) {
    const [group, field, extra] = match[1]!.trim().split('.');
    const fields =
      group && Object.hasOwn(TEMPLATE_VARIABLES, group)
        ? TEMPLATE_VARIABLES[group as keyof TemplateValues]
        : [];
    if (extra !== undefined || !field || !fields.includes(field)) unknown.push(match[0]);
  }
  return unknown;
}

export function renderTemplate(text: string, values: TemplateValues): string {
  return text.replace(VARIABLE, (_match, group: string, field: string) => {
    const section = (values as Record<string, Record<string, string> | undefined>)[group];
    const value = section && Object.hasOwn(section, field) ? section[field] : undefined;
    return value ?? '';
  });
}

/** A rendered body without the separators left by empty values ("Name · " with no phone). */
export function tidyRendered(text: string): string {
  return text.replace(/ · (?=\n|$)/g, '').trimEnd();
}

export type Wording = { subject: string; body: string };

/** The autoresponder a lead gets when the account has no template of its own, per page kind. */
const AUTORESPONDER: Record<PageKind, Wording> = {
  home_valuation: {
    subject: 'Your home value request',
    body: `Hi {{lead.firstName}},

Thank you for asking about the value of {{lead.address}}. I'm preparing your estimate and will be in touch shortly to go over it with you.

{{agent.name}}
{{account.name}} · {{agent.phone}}`,
  },
  buyer_interest: {
    subject: 'Your home search',
    body: `Hi {{lead.firstName}},

Thanks for telling me what you're looking for. I'll send you homes that match and call you to talk through your search.

{{agent.name}}
{{account.name}} · {{agent.phone}}`,
  },
  contact: {
    subject: 'Thanks for getting in touch',
    body: `Hi {{lead.firstName}},

Thanks for your message. I've got it and will get back to you soon.

{{agent.name}}
{{account.name}} · {{agent.phone}}`,
  },
  custom: {
    subject: 'Thanks for getting in touch',
    body: `Hi {{lead.firstName}},

Thanks, I've received your details and will be in touch soon.

{{agent.name}}
{{account.name}} · {{agent.phone}}`,
  },
};

/** Every built-in autoresponder, by page kind (shown beside the account's own templates). */
export const DEFAULT_AUTORESPONDERS: Readonly<Record<PageKind, Wording>> = AUTORESPONDER;

export function defaultAutoresponder(kind: PageKind | null): Wording {
  return AUTORESPONDER[kind ?? 'contact'];
}

/** Where a text to a lead says how to stop them: carriers expect it in the first message. */
export const SMS_STOP_LINE = 'Reply STOP to opt out.';

/** The text a lead with SMS consent gets when the account has no SMS template, per page kind. */
const SMS_AUTORESPONDER: Record<PageKind, string> = {
  home_valuation: `Hi {{lead.firstName}}, this is {{agent.name}} with {{account.name}}. Thanks for your home value request for {{lead.address}}; I'm preparing your estimate and will be in touch shortly. ${SMS_STOP_LINE}`,
  buyer_interest: `Hi {{lead.firstName}}, this is {{agent.name}} with {{account.name}}. Thanks for telling me what you're looking for; I'll send you homes that match shortly. ${SMS_STOP_LINE}`,
  contact: `Hi {{lead.firstName}}, this is {{agent.name}} with {{account.name}}. Thanks for your message; I'll get back to you soon. ${SMS_STOP_LINE}`,
  custom: `Hi {{lead.firstName}}, this is {{agent.name}} with {{account.name}}. Thanks, I've received your details and will be in touch soon. ${SMS_STOP_LINE}`,
};

export const DEFAULT_SMS_AUTORESPONDERS: Readonly<Record<PageKind, string>> = SMS_AUTORESPONDER;

export function defaultSmsAutoresponder(kind: PageKind | null): string {
  return SMS_AUTORESPONDER[kind ?? 'contact'];
}

/** The missed-call text-back (seed 001's workflow) when the account has no template of its own. */
export const DEFAULT_MISSED_CALL_TEXT = `Hi, this is {{agent.name}} with {{account.name}}. Sorry I missed your call! How can I help? ${SMS_STOP_LINE}`;

/** The first name of a full name ("Ms. Ada Lovelace" → "Ada"); "there" when there is none. */
export function firstNameOf(fullName: string | null): string {
  const words = (fullName ?? '').trim().split(/\s+/).filter(Boolean);
  const first = words.find((w) => !/^(mr|mrs|ms|miss|dr|mx)\.?$/i.test(w));
  return first ?? 'there';
}
