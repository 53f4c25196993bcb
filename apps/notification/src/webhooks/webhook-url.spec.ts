import { hostOf, isNonPublicAddress, webhookUrlProblem } from './webhook-url';

describe(isNonPublicAddress.name, () => {
  it.each([
    ['127.0.0.1', true],
    ['10.1.2.3', true],
    ['172.16.0.1', true],
    ['172.31.255.255', true],
    ['192.168.1.1', true],
    ['169.254.169.254', true],
    ['100.64.0.1', true],
    ['0.0.0.0', true],
    ['::1', true],
    ['::', true],
    ['fd00::1', true],
    ['fe80::1', true],
    ['::ffff:127.0.0.1', true],
    ['::ffff:7f00:1', true],
    ['::ffff:a00:1', true],
    ['64:ff9b::7f00:1', true],
    ['8.8.8.8', false],
    ['172.32.0.1', false],
    ['2606:4700:4700::1111', false],
    ['::ffff:8.8.8.8', false],
  ])('%s → %s', (address, expected) => {
    expect(isNonPublicAddress(address)).toBe(expected);
  });
});

describe(webhookUrlProblem.name, () => {
  it.each([
    ['https://hooks.example.com/remit', undefined],
    ['http://hooks.example.com:8080/remit', undefined],
    ['ftp://hooks.example.com/', 'must be an http or https URL'],
    ['file:///etc/passwd', 'must be an http or https URL'],
    ['hooks.example.com/remit', 'must be an absolute URL'],
    ['https://user:pass@hooks.example.com/', 'must not carry credentials'],
  ])('%s', (url, expected) => {
    expect(webhookUrlProblem(url)).toBe(expected);
  });
});

describe(hostOf.name, () => {
  it('drops the brackets of an IPv6 literal', () => {
    expect(hostOf('http://[::1]:8080/x')).toBe('::1');
    expect(hostOf('https://Hooks.Example.com/x')).toBe('hooks.example.com');
  });
});
