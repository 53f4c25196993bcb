import { AccountNumberCipher, DEV_WEBHOOK_SECRET_KEY, REMIT_CONFIG, type RemitConfig } from '@remit/platform';

/** Nest token of the cipher that seals webhook signing secrets (bound to their endpoint id). */
export const WEBHOOK_SECRET_CIPHER = Symbol('WEBHOOK_SECRET_CIPHER');

/**
 * The cipher of WEBHOOK_SECRET_KEY: AES-256-GCM as for account numbers, with its own key, since
 * notification never holds PAYMENT_DATA_KEY (docs/architecture.md, "Money and data"). Production
 * refuses to start without a key of its own.
 */
export function webhookSecretCipher(config: RemitConfig): AccountNumberCipher {
  const key = config.notification.webhookSecretKey;
  if (key === undefined && config.nodeEnv === 'production') {
    throw new Error('WEBHOOK_SECRET_KEY is required in production');
  }
  if (
    key !== undefined &&
    config.nodeEnv === 'production' &&
    key.key.toString('base64') === DEV_WEBHOOK_SECRET_KEY
  ) {
    throw new Error('WEBHOOK_SECRET_KEY must not be the development key in production');
  }
  return new AccountNumberCipher(
    key ?? { keyId: 'webhook-dev', key: Buffer.from(DEV_WEBHOOK_SECRET_KEY, 'base64') },
  );
}

export const webhookSecretCipherProvider = {
  provide: WEBHOOK_SECRET_CIPHER,
  inject: [REMIT_CONFIG],
  useFactory: webhookSecretCipher,
};
