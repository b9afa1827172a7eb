export * from './access.ts';
export * from './billing.ts';
export * from './credentials.ts';
export * from './dev.ts';
export * from './identity.ts';
export * from './leads.ts';
export * from './messaging.ts';
export * from './presence.ts';
