import { openPglite, openPostgres } from '../src/db/client.ts';
import { migrate } from '../src/db/migrate.ts';
import { auditTenancy } from '../src/db/audit.ts';
const db = process.argv[2] ? await openPostgres(process.argv[2], 2) : await openPglite();
await migrate(db);
console.log(await auditTenancy(db));
await db.close();
