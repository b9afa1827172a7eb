import type { Case } from './kit.ts';

/** Sweep cases for the leads routes: tenant B's credentials on tenant A's objects. */
export const leadsCases: Record<string, Case> = {};
