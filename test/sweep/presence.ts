import type { Case } from './kit.ts';

/** Sweep cases for the presence routes: tenant B's credentials on tenant A's objects. */
export const presenceCases: Record<string, Case> = {};
