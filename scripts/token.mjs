#!/usr/bin/env node
// Prints a development JWT for curl: `node scripts/token.mjs ops` or `node scripts/token.mjs customer corp-cloud-ser`.
import jwt from 'jsonwebtoken';

export const DEV_JWT_SECRET = 'remit-dev-secret-not-for-production';

export function devToken(role, customers = [], secret = process.env.AUTH_JWT_SECRET || DEV_JWT_SECRET) {
  const sub = role === 'ops' ? 'ops-console' : `portal-user-${customers[0] ?? 'anonymous'}`;
  return jwt.sign({ sub, role, customers }, secret, { algorithm: 'HS256', expiresIn: '12h' });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [role = 'ops', ...customers] = process.argv.slice(2);
  if (role !== 'ops' && role !== 'customer') {
    console.error('usage: node scripts/token.mjs ops | customer <customerId>...');
    process.exit(2);
  }
  console.log(devToken(role, customers));
}
