import type { DataSource } from 'typeorm';
import { AccountNumberCipher, isAppError, loadConfig, type RemitConfig } from '@remit/platform';
import { WebhookEndpointsService } from './webhook-endpoints.service';
import { webhookSecretCipher } from './webhook-secret-cipher';

function configWith(env: Record<string, string>): RemitConfig {
  return loadConfig({
    AUTH_JWT_SECRET: 'p'.repeat(40),
    PAYMENT_DATA_KEY: Buffer.alloc(32, 'a').toString('base64'),
    IDEMPOTENCY_HMAC_KEY: Buffer.alloc(32, 'c').toString('base64'),
    ...env,
  });
}

/** Only the address check: it reads no table, so no DataSource is needed. */
function serviceWith(config: RemitConfig): WebhookEndpointsService {
  return new WebhookEndpointsService(undefined as unknown as DataSource, webhookSecretCipher(config), config);
}

describe(WebhookEndpointsService.name, () => {
  describe('with WEBHOOK_ALLOW_PRIVATE_URLS off (production by default)', () => {
    const service = serviceWith(
      configWith({ NODE_ENV: 'production', WEBHOOK_SECRET_KEY: Buffer.alloc(32, 'w').toString('base64') }),
    );

    it.each([
      'http://127.0.0.1:8080/hook',
      'http://localhost/hook',
      'http://api.localhost/hook',
      'https://10.0.0.7/hook',
      'https://192.168.1.20/hook',
      'http://169.254.169.254/latest/meta-data',
      'http://[::1]:8080/hook',
      'http://[fd00::1]/hook',
      'http://[::ffff:127.0.0.1]/hook',
      'http://0x7f000001/hook',
      'http://2130706433/hook',
      'http://127.1/hook',
    ])('refuses %s with 422 WEBHOOK.URL_NOT_PUBLIC', async (url) => {
      const error: unknown = await service.assertDeliverable(url).then(
        () => undefined,
        (thrown: unknown) => thrown,
      );
      expect(isAppError(error) && error.status).toBe(422);
      expect(isAppError(error) && error.code).toBe('WEBHOOK.URL_NOT_PUBLIC');
      expect(isAppError(error) && error.details[0]?.field).toBe('url');
    });

    it('accepts a public address', async () => {
      await expect(service.assertDeliverable('https://93.184.215.14/hook')).resolves.toBeUndefined();
    });
  });

  it('accepts a loopback receiver under development and test', async () => {
    const service = serviceWith(configWith({ NODE_ENV: 'test' }));
    await expect(service.assertDeliverable('http://127.0.0.1:8080/hook')).resolves.toBeUndefined();
  });
});

describe(webhookSecretCipher.name, () => {
  it('refuses to run production without a key of its own', () => {
    expect(() => webhookSecretCipher(configWith({ NODE_ENV: 'production' }))).toThrow(/WEBHOOK_SECRET_KEY/);
  });

  it('seals a secret bound to its endpoint id', () => {
    const cipher: AccountNumberCipher = webhookSecretCipher(configWith({ NODE_ENV: 'test' }));
    const sealed = cipher.encrypt('whsec_abc', 'endpoint-1');
    expect(sealed.ciphertext).not.toContain('whsec_abc');
    expect(cipher.decrypt(sealed.ciphertext, sealed.keyId, 'endpoint-1')).toBe('whsec_abc');
    expect(() => cipher.decrypt(sealed.ciphertext, sealed.keyId, 'endpoint-2')).toThrow();
  });
});
