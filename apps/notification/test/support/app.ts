import type { INestApplication } from '@nestjs/common';
import { createTestingApp } from '@remit/platform';

/**
 * Starts notification with `env` added to the environment. The module reads its configuration when
 * it is first imported, so it is imported only after the environment is set.
 */
export async function startNotification(
  env: Record<string, string>,
): Promise<{ app: INestApplication; url: string }> {
  Object.assign(process.env, env);
  const { NotificationModule } = await import('../../src/notification.module');
  return createTestingApp(NotificationModule);
}
