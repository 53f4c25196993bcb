/**
 * `npm run migrate`: runs each service's committed TypeORM migrations in its own schema
 * (synchronize is never on). Compiled to dist/tools/migrate.js; scripts/start.mjs calls it.
 */
import 'reflect-metadata';
import { MESSAGING_ENTITIES } from '@remit/messaging';
import { loadConfig, runServiceMigrations } from '@remit/platform';
import { INVOICE_ENTITIES, INVOICE_MIGRATIONS, INVOICE_SCHEMA } from '../apps/invoice/src/invoice.entities';
import { INTAKE_ENTITIES, INTAKE_MIGRATIONS } from '../apps/payment-intake/src/payment-intake.entities';
import { SETTLEMENT_ENTITIES, SETTLEMENT_MIGRATIONS } from '../apps/settlement/src/settlement.entities';
import {
  NOTIFICATION_ENTITIES,
  NOTIFICATION_MIGRATIONS,
} from '../apps/notification/src/notification.entities';

const SERVICES = [
  { schema: INVOICE_SCHEMA, entities: INVOICE_ENTITIES, migrations: INVOICE_MIGRATIONS },
  { schema: 'intake', entities: INTAKE_ENTITIES, migrations: INTAKE_MIGRATIONS },
  { schema: 'settlement', entities: SETTLEMENT_ENTITIES, migrations: SETTLEMENT_MIGRATIONS },
  { schema: 'notification', entities: NOTIFICATION_ENTITIES, migrations: NOTIFICATION_MIGRATIONS },
];

export async function migrateAll(): Promise<void> {
  const config = loadConfig();
  for (const service of SERVICES) {
    // No statement time limit here (runServiceMigrations): an index build over a big table takes as
    // long as it takes.
    const ran = await runServiceMigrations(config, {
      schema: service.schema,
      entities: [...service.entities, ...MESSAGING_ENTITIES],
      migrations: service.migrations,
    });
    console.log(
      `✔ migrations ${service.schema}: ${ran.length === 0 ? 'up to date' : ran.map((m) => m.name).join(', ')}`,
    );
  }
}

if (require.main === module) {
  migrateAll().catch((error: unknown) => {
    console.error('✘ migrations failed:', error);
    process.exit(1);
  });
}
