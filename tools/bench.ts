/**
 * `npm run bench`: throughput of the pure domain rules that sit on every payment's path. Speed is
 * measured here, never asserted in tests. Prints operations per second (median of 5 rounds).
 */
import { performance } from 'node:perf_hooks';
import { readNachaFile, writeNachaFile, type NachaEntryInput } from '@remit/ach';
import { postingDate } from '@remit/calendar';
import { createCloudEvent, parseCloudEvent } from '@remit/contracts';
import { allocatePayment } from '@remit/money';

function bench(name: string, iterations: number, run: (index: number) => unknown): void {
  const rounds: number[] = [];
  let sink = 0;
  for (let round = 0; round < 5; round += 1) {
    const started = performance.now();
    for (let index = 0; index < iterations; index += 1) sink += run(index) ? 1 : 0;
    rounds.push((iterations * 1000) / (performance.now() - started));
  }
  rounds.sort((a, b) => a - b);
  const median = rounds[2];
  console.log(
    `${name.padEnd(48)} ${Math.round(median).toLocaleString('en-US').padStart(12)} ops/s  (${iterations} per round, ${sink > 0 ? 'ok' : '-'})`,
  );
}

const invoices = Array.from({ length: 50 }, (_, index) => ({
  invoiceId: `inv-${String(index).padStart(3, '0')}`,
  dueDate: `2026-${String((index % 12) + 1).padStart(2, '0')}-15`,
  invoiceDate: '2026-01-01',
  amountDueCents: 10_000 + index * 137,
}));
bench(
  'allocatePayment, 50 invoices, oldest first',
  20_000,
  (index) => allocatePayment({ amountCents: 300_000 + index, invoices }).creditCents >= 0,
);

const start = Date.parse('2026-01-01T00:00:00Z');
bench('postingDate (ACH), instants across 2026', 200_000, (index) =>
  postingDate(new Date(start + (index % 525_600) * 60_000), 'ach'),
);

const event = createCloudEvent({
  type: 'payment.posted',
  source: 'remit/settlement',
  customerId: 'corp-cloud-ser',
  data: {
    paymentId: '0b6f4e0e-51c8-4cf7-9a51-0b1f7f4a0001',
    customerId: 'corp-cloud-ser',
    amountCents: 34618,
    currency: 'USD',
    method: { type: 'ach', last4: '6789' },
    invoices: [{ invoiceId: 'a1d1f3a4-7f39-4a39-9d5c-0d8bbd0ad001', amountCents: 34618 }],
    postingDate: '2026-11-30',
    postedAt: '2026-11-30T05:00:00.000Z',
  },
});
const raw = Buffer.from(JSON.stringify(event));
bench('parseCloudEvent (payment.posted, validated)', 100_000, () => parseCloudEvent(raw));

const entries: NachaEntryInput[] = Array.from({ length: 1000 }, (_, index) => ({
  transactionCode: 27,
  routingNumber: '021000021',
  accountNumber: String(100_000_000 + index),
  amountCents: 1_000 + index,
  identificationNumber: `INV${index}`,
  receivingCompanyName: 'CLOUD SER CORP',
}));
const fileInput = {
  immediateDestination: '021000021',
  immediateOrigin: '1234567890',
  destinationName: 'JPMORGAN CHASE',
  originName: 'FUSION',
  fileCreationDate: '2026-11-25',
  fileCreationTime: '1700',
  fileIdModifier: 'A',
  batches: [
    {
      companyName: 'FUSION',
      companyIdentification: '1234567890',
      companyEntryDescription: 'INVOICE',
      effectiveEntryDate: '2026-11-27',
      originatingDfi: '02100002',
      standardEntryClass: 'CCD' as const,
      serviceClassCode: 225 as const,
      entries,
    },
  ],
};
const text = writeNachaFile(fileInput);
bench('writeNachaFile, 1,000 CCD debits', 50, () => writeNachaFile(fileInput));
bench('readNachaFile, 1,000 CCD debits', 50, () => readNachaFile(text));
