import { z } from 'zod';

/**
 * Contacts (people who are not leads: sphere of influence, past clients, vendors, report
 * recipients) and the groups they are filed in. Email and phone are normalized by the service
 * (lower-cased; E.164 read in the account's country), which names the field in a 422.
 */

const text = (max: number) => z.string().trim().max(max);
/** A text field that may be cleared: empty (after trimming) or null stores null. */
const clearable = (max: number) =>
  text(max)
    .nullable()
    .optional()
    .transform((v) => (v === '' ? null : v));

export const contactSchema = z.object({
  id: z.uuid(),
  fullName: z.string().nullable(),
  email: z.string().nullable(),
  phone: z.string().nullable().describe('E.164'),
  type: z.string().nullable().describe('free text: sphere, past_client, vendor, …'),
  company: z.string().nullable(),
  notes: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type ContactView = z.infer<typeof contactSchema>;

export const contactGroupRefSchema = z.object({ id: z.uuid(), name: z.string() });

export const contactDetailSchema = contactSchema.extend({
  groups: z.array(contactGroupRefSchema).describe('the groups it belongs to, by name'),
});

export const contactListSchema = z.object({
  data: z.array(contactSchema),
  nextCursor: z.string().nullable(),
});

export const contactListQuery = z.object({
  /** Name, email or phone contains this (a phone may be typed with its formatting). */
  q: z.string().trim().min(1).max(200).optional(),
  groupId: z.uuid().optional().describe('only members of this group'),
  type: z.string().trim().min(1).max(60).optional().describe('exactly this type (case-insensitive)'),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional(),
});
export type ContactListQuery = z.infer<typeof contactListQuery>;

const contactFields = {
  fullName: clearable(200),
  email: clearable(254),
  phone: clearable(40),
  type: clearable(60),
  company: clearable(200),
  notes: clearable(5000),
};

export const createContactBody = z.strictObject({
  ...contactFields,
  groupIds: z.array(z.uuid()).max(50).optional().describe('groups of this account to file it in'),
});
export type CreateContactBody = z.infer<typeof createContactBody>;

export const patchContactBody = z.strictObject(contactFields);
export type PatchContactBody = z.infer<typeof patchContactBody>;

export const contactGroupSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  description: z.string().nullable(),
  memberCount: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const contactGroupListSchema = z.object({
  data: z.array(contactGroupSchema),
  nextCursor: z.string().nullable(),
});

export const contactGroupListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(400).optional(),
});

export const createContactGroupBody = z.strictObject({
  name: text(100).min(1),
  description: clearable(500),
});
export type CreateContactGroupBody = z.infer<typeof createContactGroupBody>;

export const patchContactGroupBody = z.strictObject({
  name: text(100).min(1).optional(),
  description: clearable(500),
});
export type PatchContactGroupBody = z.infer<typeof patchContactGroupBody>;

export const addMembersBody = z.strictObject({
  contactIds: z.array(z.uuid()).min(1).max(500),
});

export const addMembersResultSchema = z.object({
  added: z.number().int().describe('how many were not members yet'),
  memberCount: z.number().int(),
});

/** Any string: an id that is not a uuid answers 404 like any id that is not this account's. */
export const idParams = z.object({ id: z.string() });
export const memberParams = z.object({ id: z.string(), contactId: z.string() });
