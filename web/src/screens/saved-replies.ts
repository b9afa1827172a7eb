/**
 * The team's saved replies (`/api/v1/saved-replies`), shared by the lead page's composer and
 * Settings › Message templates: their shape, their query and the server's limits.
 */
import { get } from '../api.ts';

export type SavedReplyChannel = 'email' | 'sms';
export type SavedReply = {
  id: string;
  name: string;
  channel: SavedReplyChannel;
  subject: string | null;
  body: string;
  updatedAt: string;
};
export type SavedReplies = { data: SavedReply[]; variables: string[] };
/** A saved reply rendered for one lead (`POST /saved-replies/:id/preview`). */
export type SavedReplyPreview = { channel: SavedReplyChannel; subject: string | null; body: string };

export const SAVED_REPLIES_KEY = ['saved-replies'] as const;
export const savedRepliesQuery = {
  queryKey: SAVED_REPLIES_KEY,
  queryFn: () => get<SavedReplies>('/saved-replies'),
};

export const SAVED_REPLY_NAME_MAX = 80;
export const SAVED_REPLY_EMAIL_MAX = 5000;
/** A text is at most this long (as any text to a lead). */
export const SAVED_REPLY_SMS_MAX = 1600;

/** Where saved replies are managed. */
export const SAVED_REPLIES_SETTINGS = '/settings?section=templates#saved-replies';
