import { customType } from 'drizzle-orm/pg-core';

/** Case-insensitive text (the citext extension): emails, slugs, hostnames. */
export const citext = customType<{ data: string }>({
  dataType() {
    return 'citext';
  },
});

/** An IPv4 or IPv6 address, kept as text in JavaScript. */
export const inet = customType<{ data: string }>({
  dataType() {
    return 'inet';
  },
});

/** An IPv4 or IPv6 network (or single address), kept as text in JavaScript. */
export const cidr = customType<{ data: string }>({
  dataType() {
    return 'cidr';
  },
});

/** Quoted list for CHECK constraints built from a TypeScript union. */
export function sqlList(values: readonly string[]): string {
  return values.map((v) => `'${v.replace(/'/g, "''")}'`).join(', ');
}

/** Raw bytes (bytea), a Buffer in JavaScript: ciphertext. */
export const bytea = customType<{ data: Buffer; driverData: Buffer | Uint8Array }>({
  dataType() {
    return 'bytea';
  },
  fromDriver(value) {
    return Buffer.isBuffer(value) ? value : Buffer.from(value);
  },
});
