import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * The server pepper that keys API-key HMACs and IP hashes. From AUTH_PEPPER when set;
 * otherwise generated once into `<dataDir>/auth-pepper` (mode 600) so a laptop needs no
 * setup. Several servers must share one: set AUTH_PEPPER there.
 */
export function loadAuthPepper(options: { authPepper?: string | undefined; dataDir: string }): {
  pepper: string;
  generated: boolean;
} {
  if (options.authPepper) return { pepper: options.authPepper, generated: false };
  const file = path.join(options.dataDir, 'auth-pepper');
  try {
    return { pepper: fs.readFileSync(file, 'utf8').trim(), generated: false };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  fs.mkdirSync(options.dataDir, { recursive: true });
  const pepper = crypto.randomBytes(32).toString('base64url');
  fs.writeFileSync(file, `${pepper}\n`, { mode: 0o600, flag: 'wx' });
  return { pepper, generated: true };
}
