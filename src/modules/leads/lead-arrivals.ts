import { EventEmitter } from 'node:events';

/**
 * Word, inside this process, that an account has a new lead (intake says so after its commit):
 * the inbox's event stream checks at once instead of at its next poll. Only a hint: the stream
 * still polls, so leads that came through another process (another server, a worker) arrive too.
 */
const arrivals = new EventEmitter();
arrivals.setMaxListeners(0);

export function announceLead(accountId: string): void {
  arrivals.emit(accountId);
}

/** Calls `listener` when the account gets a lead; returns the unsubscribe. */
export function onLeadArrival(accountId: string, listener: () => void): () => void {
  arrivals.on(accountId, listener);
  return () => arrivals.off(accountId, listener);
}
