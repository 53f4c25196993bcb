import { servicePort } from './bootstrap';
import { loadConfig } from './config/remit-config';
import { isAppError, AppError } from './errors/app-error';
import { SERVICE_NAMES } from './tokens';

describe(servicePort.name, () => {
  it.each([
    ['payment-intake', 3001],
    ['invoice', 3002],
    ['settlement', 3003],
    ['notification', 3004],
  ] as const)('%s listens on %i by default', (service, port) => {
    expect(servicePort(loadConfig({ NODE_ENV: 'development' }), service)).toBe(port);
  });

  it('follows the port variables', () => {
    const config = loadConfig({ NODE_ENV: 'development', INTAKE_PORT: '4001', NOTIFICATION_PORT: '4004' });
    expect(SERVICE_NAMES.map((service) => servicePort(config, service))).toEqual([3002, 4001, 3003, 4004]);
  });
});

describe(isAppError.name, () => {
  it('tells AppErrors from other errors', () => {
    expect(isAppError(AppError.forbidden())).toBe(true);
    expect(isAppError(new Error('x'))).toBe(false);
  });
});
