import { readNachaFile, writeNachaFile } from '@remit/ach';
import {
  fileIdModifierFor,
  originationFileInput,
  outboundFileName,
  traceNumberOf,
  type OriginationSettings,
} from './nacha-origination';

const settings: OriginationSettings = {
  immediateDestination: '091000019',
  immediateDestinationName: 'REMIT DEV ODFI',
  immediateOrigin: '1234567890',
  immediateOriginName: 'REMIT',
  odfiRoutingNumber: '091000019',
  companyName: 'REMIT',
  companyId: '1234567890',
};

describe(fileIdModifierFor.name, () => {
  it.each([
    [0, 'A'],
    [25, 'Z'],
    [26, '0'],
    [35, '9'],
  ])('file number %i of a day is %s', (index, modifier) => {
    expect(fileIdModifierFor(index)).toBe(modifier);
  });

  it('refuses a 37th file in one day', () => {
    expect(() => fileIdModifierFor(36)).toThrow(/no file id modifier/);
  });
});

describe(traceNumberOf.name, () => {
  it('is the ODFI prefix and a 7-digit sequence, wrapping after 9999999', () => {
    expect(traceNumberOf('091000019', 42)).toBe('091000010000042');
    expect(traceNumberOf('091000019', 10_000_001)).toBe('091000010000001');
  });
});

describe(originationFileInput.name, () => {
  it('writes one CCD debit batch, effective the next business day, that the reader reads back', () => {
    const text = writeNachaFile(
      originationFileInput(settings, {
        // Friday before a Saturday holiday-free weekend: effective Monday.
        businessDate: '2026-11-20',
        fileIdModifier: 'B',
        creationDate: '2026-11-20',
        creationTime: '1700',
        entries: [
          {
            paymentId: '6f1c2a8e-0d4b-4c55-9a1e-2b3c4d5e6f70',
            customerId: 'cust-1',
            routingNumber: '021000021',
            accountNumber: '123456789012',
            amountCents: 12_345,
            accountHolderName: 'Acme Café Inc',
            traceNumber: traceNumberOf('091000019', 7),
          },
          {
            paymentId: '00000000-0000-4000-8000-000000000001',
            customerId: 'cust-2',
            routingNumber: '091000019',
            accountNumber: '55555',
            amountCents: 1,
            accountHolderName: null,
            traceNumber: traceNumberOf('091000019', 8),
          },
        ],
      }),
    );
    const file = readNachaFile(text);
    expect(file.fileHeader.fileIdModifier).toBe('B');
    const [batch] = file.batches;
    expect(batch?.header).toMatchObject({
      serviceClassCode: 225,
      standardEntryClass: 'CCD',
      companyName: 'REMIT',
      companyIdentification: '1234567890',
      effectiveEntryDate: '2026-11-23',
      originatingDfi: '09100001',
    });
    expect(
      batch?.entries.map((entry) => [entry.transactionCode, entry.traceNumber, entry.receivingName]),
    ).toEqual([
      [27, '091000010000007', 'Acme Caf  Inc'],
      [27, '091000010000008', 'cust-2'],
    ]);
    expect(batch?.entries[0]?.identificationNumber).toBe('6F1C2A8E0D4B4C5');
    expect(file.fileControl.totalDebitCents).toBe(12_346);
    expect(file.fileControl.entryHash).toBe(2100002 + 9100001);
  });
});

describe(outboundFileName.name, () => {
  it('sorts by day, then modifier', () => {
    expect(outboundFileName('2026-11-20', 'A', 'f')).toBe('2026-11-20-A-f.ach');
  });
});
