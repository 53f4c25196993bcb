import { BlockList, isIP } from 'node:net';

/**
 * Addresses a webhook may not reach outside development: loopback, private networks, link-local
 * (cloud metadata at 169.254.169.254), carrier-grade NAT, benchmarking, multicast and reserved ranges
 * (RFC 6890), so that an endpoint cannot make Remit call into its own network (SSRF).
 */
const NON_PUBLIC = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  NON_PUBLIC.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
  // NAT64 (RFC 6052) would reach an IPv4 address through a gateway; documentation (RFC 3849).
  ['64:ff9b::', 96],
  ['2001:db8::', 32],
] as const) {
  NON_PUBLIC.addSubnet(network, prefix, 'ipv6');
}

/** Whether an IP address (v4 or v6, IPv4-mapped included) is loopback, private or otherwise not public. */
export function isNonPublicAddress(address: string): boolean {
  // BlockList matches an IPv4-mapped IPv6 address (::ffff:7f00:1, ::ffff:127.0.0.1) against the IPv4 ranges.
  const family = isIP(address);
  if (family === 4) return NON_PUBLIC.check(address, 'ipv4');
  if (family === 6) return NON_PUBLIC.check(address, 'ipv6');
  return false;
}

/** Why a webhook URL is refused on its form alone, or `undefined`: only absolute http(s) URLs, no credentials. */
export function webhookUrlProblem(raw: string): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'must be an absolute URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must be an http or https URL';
  if (url.username || url.password) return 'must not carry credentials';
  if (!url.hostname) return 'must name a host';
  return undefined;
}

/** The host of a URL as an address or name to resolve: brackets of an IPv6 literal removed. */
export function hostOf(raw: string): string {
  return new URL(raw).hostname.replace(/^\[(.*)\]$/, '$1');
}
