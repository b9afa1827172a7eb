import { z } from 'zod';
import { defineJob } from '../../platform/jobs.ts';
import { sendInvitationEmail } from './invitations.service.ts';

declare module '../../platform/jobs.ts' {
  interface JobServices {
    /** The server pepper: invitation links are derived from it and the job id. */
    pepper: string;
  }
}

/** The invitation email (queued in the invitation's own transaction). */
export const sendInvitationEmailJob = defineJob({
  name: 'team.send_invitation_email',
  schema: z.object({ accountId: z.uuid(), invitationId: z.uuid() }),
  handler: async ({ accountId, invitationId }, { db, services, jobId }) => {
    await sendInvitationEmail(
      db,
      { ...services.mail, pepper: services.pepper },
      { accountId, invitationId, jobId },
    );
  },
});

export const teamJobs = [sendInvitationEmailJob];
