import { z } from 'zod';
import { newLeadAlertChoices } from '../../db/schema/index.ts';

const newLeadAlerts = z
  .enum(newLeadAlertChoices)
  .describe(
    'which new leads you are emailed about: `all` (every unassigned lead, plus those assigned to you), `assigned` (only those assigned to you), `none` (no new-lead emails)',
  );

export const notificationsBody = z.strictObject({ newLeadAlerts });

export const notificationsSchema = z.object({
  newLeadAlerts,
  email: z.string().describe('where your new-lead emails go: your sign-in email'),
});
