import { fixture } from '../test/fixture';
import { AchError } from './ach-error';
import { readNachaFile } from './nacha-reader';
import type { NachaBatchInput, NachaEntryInput, NachaFileInput } from './nacha-types';
import { toNachaFileInput, writeNachaFile } from './nacha-writer';

const FILLER = '9'.repeat(94);

/** The content of moov-io's ccd-debit.ach, expressed as writer input. */
function ccdDebitInput(): NachaFileInput {
  return {
    immediateDestination: '031300012',
    immediateOrigin: '0231380104',
    destinationName: 'Federal Reserve Bank',
    originName: 'My Bank Name',
    fileCreationDate: '2019-08-16',
    fileCreationTime: '1055',
    fileIdModifier: 'A',
    referenceCode: '12345678',
    batches: [
      {
        companyName: 'Name on Account',
        companyIdentification: '231380104',
        companyEntryDescription: 'Vndr Pay',
        effectiveEntryDate: '2019-08-16',
        originatingDfi: '03130001',
        standardEntryClass: 'CCD',
        serviceClassCode: 225,
        entries: [
          {
            transactionCode: 27,
            routingNumber: '231380104',
            accountNumber: '744-5678-99',
            amountCents: 500000,
            identificationNumber: 'location1234567',
            receivingCompanyName: 'Best Co. #123456789012',
            discretionaryData: 'S',
          },
          {
            transactionCode: 27,
            routingNumber: '231380104',
            accountNumber: '744-5678-99',
            amountCents: 125,
            identificationNumber: 'Fee123456789012',
            receivingCompanyName: 'Best Co. #123456789012',
            discretionaryData: 'S',
          },
        ],
      },
    ],
  };
}

function entry(overrides: Partial<NachaEntryInput> = {}): NachaEntryInput {
  return {
    transactionCode: 27,
    routingNumber: '021000021',
    accountNumber: '000123456789',
    amountCents: 34618,
    identificationNumber: 'PAY-0001',
    receivingCompanyName: 'FUSION SITE BOSTON',
    ...overrides,
  };
}

function batch(overrides: Partial<NachaBatchInput> = {}): NachaBatchInput {
  return {
    companyName: 'REMIT',
    companyIdentification: '1234567890',
    companyEntryDescription: 'INVOICES',
    effectiveEntryDate: '2026-11-27',
    originatingDfi: '02100002',
    standardEntryClass: 'CCD',
    serviceClassCode: 225,
    entries: [entry()],
    ...overrides,
  };
}

/** A Remit daily origination file: two debit batches, an addenda, one explicit trace number. */
function remitInput(): NachaFileInput {
  return {
    immediateDestination: '021000021',
    immediateOrigin: '021000021',
    destinationName: 'JPMORGAN CHASE',
    originName: 'REMIT PAYMENTS',
    fileCreationDate: '2026-11-25',
    fileCreationTime: '1705',
    fileIdModifier: 'A',
    batches: [
      batch({
        entries: [
          entry({ routingNumber: '231380104', amountCents: 500000 }),
          entry({
            routingNumber: '122105155',
            accountNumber: '9876543210123',
            amountCents: 12345,
            identificationNumber: 'PAY-0002',
            receivingCompanyName: 'FUSION SITE PHOENIX',
            paymentRelatedInformation: 'INV 2026-1001 2026-1002',
          }),
        ],
      }),
      batch({
        companyEntryDescription: 'AUTOPAY',
        effectiveEntryDate: '2026-11-30',
        serviceClassCode: 200,
        entries: [
          entry({ routingNumber: '011000015', amountCents: 2500, traceNumber: '021000020009999' }),
          entry({
            transactionCode: 28,
            routingNumber: '026009593',
            amountCents: 0,
            identificationNumber: '',
          }),
        ],
      }),
    ],
  };
}

describe(writeNachaFile.name, () => {
  it('reproduces a CCD debit file written by other software byte for byte (moov ccd-debit.ach)', () => {
    expect(writeNachaFile(ccdDebitInput())).toBe(fixture('ccd-debit.ach'));
  });

  it('writes 94-character records in blocks of 10 joined by \\n, padded with 9 filler', () => {
    const text = writeNachaFile(remitInput());
    const lines = text.split('\n');
    expect(text.endsWith('\n')).toBe(false);
    expect(lines.every((line) => line.length === 94)).toBe(true);
    expect(lines).toHaveLength(20);
    expect(lines.map((line) => line[0]).join('')).toBe('1566785668' + '9' + '999999999');
    expect(lines.slice(11)).toEqual(Array(9).fill(FILLER));
  });

  it('fills the control records from the entries', () => {
    const lines = writeNachaFile(remitInput()).split('\n');
    // batch 1: two debits 500000 + 12345, one addenda; hash 23138010 + 12210515
    expect(lines[5]).toBe(
      '8225' +
        '000003' +
        '0035348525' +
        '000000512345' +
        '000000000000' +
        '1234567890' +
        ' '.repeat(25) +
        '02100002' +
        '0000001',
    );
    // batch 2: debit 2500 and a zero prenote; hash 01100001 + 02600959
    expect(lines[9]).toBe(
      '8200' +
        '000002' +
        '0003700960' +
        '000000002500' +
        '000000000000' +
        '1234567890' +
        ' '.repeat(25) +
        '02100002' +
        '0000002',
    );
    expect(lines[10]).toBe(
      '9' +
        '000002' +
        '000002' +
        '00000005' +
        '0039049485' +
        '000000514845' +
        '000000000000' +
        ' '.repeat(39),
    );
  });

  it('numbers traces ODFI + 7-digit sequence across the file, keeping explicit ones', () => {
    const file = readNachaFile(writeNachaFile(remitInput()));
    expect(file.batches.flatMap((b) => b.entries.map((e) => e.traceNumber))).toEqual([
      '021000020000001',
      '021000020000002',
      '021000020009999',
      '021000020000003',
    ]);
  });

  it('skips a sequence number already taken by an explicit trace number', () => {
    const input = remitInput();
    input.batches[0].entries[0].traceNumber = '021000020000002';
    const file = readNachaFile(writeNachaFile(input));
    expect(file.batches.flatMap((b) => b.entries.map((e) => e.traceNumber))).toEqual([
      '021000020000002',
      '021000020000001',
      '021000020009999',
      '021000020000003',
    ]);
  });

  it('writes the addenda 05 layout other software writes (moov web-credit.ach line 4)', () => {
    const input = remitInput();
    input.batches = [
      batch({
        originatingDfi: '12104288',
        entries: [entry({ traceNumber: '121042880000001', paymentRelatedInformation: 'PAY-GATE payment\\' })],
      }),
    ];
    const lines = writeNachaFile(input).split('\n');
    expect(lines[2].slice(78, 79)).toBe('1');
    expect(lines[3]).toBe(fixture('web-credit.ach').split('\n')[3]);
  });

  it('keeps the rightmost 10 digits of an entry hash that overflows', () => {
    // 130 entries to 80000000-6: 130 x 80,000,000 = 10,400,000,000
    const input = remitInput();
    input.batches = [
      batch({
        entries: Array.from({ length: 130 }, () => entry({ routingNumber: '800000006', amountCents: 1 })),
      }),
    ];
    const text = writeNachaFile(input);
    const lines = text.split('\n');
    expect(lines).toHaveLength(140);
    expect(lines[132].slice(10, 20)).toBe('0400000000');
    expect(lines[133].slice(21, 31)).toBe('0400000000');
    expect(lines[133].slice(7, 13)).toBe('000014');
    expect(readNachaFile(text).fileControl.entryHash).toBe(400000000);
  });

  it('writes immediate destination and a 9-digit origin with a leading space', () => {
    const header = writeNachaFile(remitInput()).split('\n')[0];
    expect(header.slice(0, 23)).toBe('101 021000021 021000021');
    expect(header.slice(23, 40)).toBe('2611251705A094101');
  });
});

describe('round trip', () => {
  it('read(write(input)) gives back the batches, entries, amounts and trace numbers', () => {
    const input = remitInput();
    const file = readNachaFile(writeNachaFile(input));
    expect(file.fileHeader).toMatchObject({
      immediateDestination: input.immediateDestination,
      immediateOrigin: input.immediateOrigin,
      destinationName: input.destinationName,
      originName: input.originName,
      fileCreationDate: input.fileCreationDate,
      fileCreationTime: input.fileCreationTime,
      fileIdModifier: input.fileIdModifier,
    });
    expect(file.batches).toHaveLength(input.batches.length);
    file.batches.forEach((read, b) => {
      const written = input.batches[b];
      expect(read.header).toMatchObject({
        companyName: written.companyName,
        companyIdentification: written.companyIdentification,
        companyEntryDescription: written.companyEntryDescription,
        effectiveEntryDate: written.effectiveEntryDate,
        originatingDfi: written.originatingDfi,
        standardEntryClass: 'CCD',
        serviceClassCode: written.serviceClassCode,
        batchNumber: b + 1,
      });
      expect(
        read.entries.map((e) => [e.transactionCode, e.routingNumber, e.accountNumber, e.amountCents]),
      ).toEqual(
        written.entries.map((e) => [e.transactionCode, e.routingNumber, e.accountNumber, e.amountCents]),
      );
    });
    expect(file.batches[0].entries[1].addenda).toEqual([
      expect.objectContaining({ typeCode: '05', paymentRelatedInformation: 'INV 2026-1001 2026-1002' }),
    ]);
    expect(file.fileControl).toMatchObject({ totalDebitCents: 514845, totalCreditCents: 0, batchCount: 2 });
  });

  it.each([
    ['a Remit file', (): string => writeNachaFile(remitInput())],
    ['the ccd-debit fixture', (): string => fixture('ccd-debit.ach')],
  ])('write(read(x)) === x for %s', (_name, make) => {
    const text = make();
    expect(writeNachaFile(toNachaFileInput(readNachaFile(text)))).toBe(text);
  });

  it.each([
    ['ppd-debit.ach', 'batches[0].standardEntryClass'],
    ['return-WEB.ach', 'batches[0].standardEntryClass'],
  ])('toNachaFileInput refuses %s, which the writer cannot produce', (name, field) => {
    expect(() => toNachaFileInput(readNachaFile(fixture(name)))).toThrow(expect.objectContaining({ field }));
  });

  it.each([
    [
      'a return entry',
      (text: string): string => text.replace('\n627', '\n626'),
      'batches[0].entries[0].transactionCode',
    ],
    [
      'a zero effective date',
      (text: string): string => text.replace('190816   1', '000000   1'),
      'batches[0].effectiveEntryDate',
    ],
    [
      'service class 280',
      (text: string): string => text.replace(/\n5225/, '\n5280').replace(/\n8225/, '\n8280'),
      'batches[0].serviceClassCode',
    ],
  ])('toNachaFileInput refuses %s', (_name, mutate, field) => {
    const file = readNachaFile(mutate(fixture('ccd-debit.ach')));
    expect(() => toNachaFileInput(file)).toThrow(
      expect.objectContaining({ code: 'NACHA.INVALID_INPUT', field }),
    );
  });

  it('toNachaFileInput refuses an entry with several addenda', () => {
    const file = readNachaFile(writeNachaFile(remitInput()));
    const e = file.batches[0].entries[1];
    e.addenda.push(e.addenda[0]);
    expect(() => toNachaFileInput(file)).toThrow(
      expect.objectContaining({ field: 'batches[0].entries[1].addenda' }),
    );
  });
});

describe('writeNachaFile input validation', () => {
  type Mutation = (input: NachaFileInput) => void;
  const first = (input: NachaFileInput): NachaBatchInput => input.batches[0];
  const firstEntry = (input: NachaFileInput): NachaEntryInput => first(input).entries[0];
  const set = <T extends object>(target: T, values: Record<string, unknown>): void => {
    Object.assign(target, values);
  };

  it.each<[string, Mutation, string, string]>([
    [
      'destination with a bad check digit',
      (i) => set(i, { immediateDestination: '021000022' }),
      'ACH.ROUTING_NUMBER_INVALID',
      'immediateDestination',
    ],
    [
      'origin of 8 digits',
      (i) => set(i, { immediateOrigin: '12345678' }),
      'NACHA.INVALID_INPUT',
      'immediateOrigin',
    ],
    [
      'empty destination name',
      (i) => set(i, { destinationName: '  ' }),
      'NACHA.INVALID_INPUT',
      'destinationName',
    ],
    [
      'origin name over 23 characters',
      (i) => set(i, { originName: 'R'.repeat(24) }),
      'NACHA.INVALID_INPUT',
      'originName',
    ],
    ['non-ASCII name', (i) => set(i, { originName: 'RÉMIT' }), 'NACHA.INVALID_INPUT', 'originName'],
    ['name that is not a string', (i) => set(i, { originName: 42 }), 'NACHA.INVALID_INPUT', 'originName'],
    [
      'impossible creation date',
      (i) => set(i, { fileCreationDate: '2026-02-30' }),
      'NACHA.INVALID_INPUT',
      'fileCreationDate',
    ],
    [
      'creation date before 2000',
      (i) => set(i, { fileCreationDate: '1999-12-31' }),
      'NACHA.INVALID_INPUT',
      'fileCreationDate',
    ],
    [
      'creation time 24:00',
      (i) => set(i, { fileCreationTime: '2400' }),
      'NACHA.INVALID_INPUT',
      'fileCreationTime',
    ],
    ['lower-case modifier', (i) => set(i, { fileIdModifier: 'a' }), 'NACHA.INVALID_INPUT', 'fileIdModifier'],
    [
      'reference code over 8',
      (i) => set(i, { referenceCode: '123456789' }),
      'NACHA.INVALID_INPUT',
      'referenceCode',
    ],
    ['no batches', (i) => set(i, { batches: [] }), 'NACHA.INVALID_INPUT', 'batches'],
    [
      'SEC code PPD',
      (i) => set(first(i), { standardEntryClass: 'PPD' }),
      'NACHA.INVALID_INPUT',
      'batches[0].standardEntryClass',
    ],
    [
      'service class 280',
      (i) => set(first(i), { serviceClassCode: 280 }),
      'NACHA.INVALID_INPUT',
      'batches[0].serviceClassCode',
    ],
    [
      'ODFI of 9 digits',
      (i) => set(first(i), { originatingDfi: '021000021' }),
      'NACHA.INVALID_INPUT',
      'batches[0].originatingDfi',
    ],
    [
      'batch number 0',
      (i) => set(first(i), { batchNumber: 0 }),
      'NACHA.INVALID_INPUT',
      'batches[0].batchNumber',
    ],
    [
      'duplicate batch number',
      (i) => set(i.batches[1], { batchNumber: 1 }),
      'NACHA.INVALID_INPUT',
      'batches[1].batchNumber',
    ],
    [
      'company name over 16',
      (i) => set(first(i), { companyName: 'X'.repeat(17) }),
      'NACHA.INVALID_INPUT',
      'batches[0].companyName',
    ],
    [
      'missing company identification',
      (i) => set(first(i), { companyIdentification: '' }),
      'NACHA.INVALID_INPUT',
      'batches[0].companyIdentification',
    ],
    [
      'entry description over 10',
      (i) => set(first(i), { companyEntryDescription: 'X'.repeat(11) }),
      'NACHA.INVALID_INPUT',
      'batches[0].companyEntryDescription',
    ],
    [
      'descriptive date over 6',
      (i) => set(first(i), { companyDescriptiveDate: 'NOV 25 ' }),
      'NACHA.INVALID_INPUT',
      'batches[0].companyDescriptiveDate',
    ],
    [
      'effective date not ISO',
      (i) => set(first(i), { effectiveEntryDate: '11/27/2026' }),
      'NACHA.INVALID_INPUT',
      'batches[0].effectiveEntryDate',
    ],
    [
      'batch without entries',
      (i) => set(first(i), { entries: [] }),
      'NACHA.INVALID_INPUT',
      'batches[0].entries',
    ],
    [
      'transaction code 26 (a return)',
      (i) => set(firstEntry(i), { transactionCode: 26 }),
      'NACHA.INVALID_INPUT',
      'batches[0].entries[0].transactionCode',
    ],
    [
      'credit in a debits-only batch',
      (i) => set(firstEntry(i), { transactionCode: 22 }),
      'NACHA.INVALID_INPUT',
      'batches[0].entries[0].transactionCode',
    ],
    [
      'debit in a credits-only batch',
      (i) => set(first(i), { serviceClassCode: 220 }),
      'NACHA.INVALID_INPUT',
      'batches[0].entries[0].transactionCode',
    ],
    [
      'routing number with a bad prefix',
      (i) => set(firstEntry(i), { routingNumber: '990000000' }),
      'ACH.ROUTING_NUMBER_INVALID',
      'batches[0].entries[0].routingNumber',
    ],
    [
      'empty account number',
      (i) => set(firstEntry(i), { accountNumber: '' }),
      'NACHA.INVALID_INPUT',
      'batches[0].entries[0].accountNumber',
    ],
    [
      'account number with a trailing space',
      (i) => set(firstEntry(i), { accountNumber: '12345 ' }),
      'NACHA.INVALID_INPUT',
      'batches[0].entries[0].accountNumber',
    ],
    [
      'fractional cents',
      (i) => set(firstEntry(i), { amountCents: 100.5 }),
      'NACHA.INVALID_INPUT',
      'batches[0].entries[0].amountCents',
    ],
    [
      'negative amount',
      (i) => set(firstEntry(i), { amountCents: -1 }),
      'NACHA.INVALID_INPUT',
      'batches[0].entries[0].amountCents',
    ],
    [
      'amount over 10 digits',
      (i) => set(firstEntry(i), { amountCents: 10_000_000_000 }),
      'NACHA.INVALID_INPUT',
      'batches[0].entries[0].amountCents',
    ],
    [
      'zero live debit',
      (i) => set(firstEntry(i), { amountCents: 0 }),
      'NACHA.INVALID_INPUT',
      'batches[0].entries[0].amountCents',
    ],
    [
      'prenote with an amount',
      (i) => set(firstEntry(i), { transactionCode: 28 }),
      'NACHA.INVALID_INPUT',
      'batches[0].entries[0].amountCents',
    ],
    [
      'identification over 15',
      (i) => set(firstEntry(i), { identificationNumber: 'X'.repeat(16) }),
      'NACHA.INVALID_INPUT',
      'batches[0].entries[0].identificationNumber',
    ],
    [
      'missing receiving company',
      (i) => set(firstEntry(i), { receivingCompanyName: '' }),
      'NACHA.INVALID_INPUT',
      'batches[0].entries[0].receivingCompanyName',
    ],
    [
      'discretionary data over 2',
      (i) => set(firstEntry(i), { discretionaryData: 'ABC' }),
      'NACHA.INVALID_INPUT',
      'batches[0].entries[0].discretionaryData',
    ],
    [
      'addenda text over 80',
      (i) => set(firstEntry(i), { paymentRelatedInformation: 'X'.repeat(81) }),
      'NACHA.INVALID_INPUT',
      'batches[0].entries[0].paymentRelatedInformation',
    ],
    [
      'trace number of 14 digits',
      (i) => set(firstEntry(i), { traceNumber: '02100002000001' }),
      'NACHA.INVALID_INPUT',
      'batches[0].entries[0].traceNumber',
    ],
    [
      'trace number of another ODFI',
      (i) => set(firstEntry(i), { traceNumber: '031300010000001' }),
      'NACHA.INVALID_INPUT',
      'batches[0].entries[0].traceNumber',
    ],
    [
      'duplicate trace number',
      (i) => set(i.batches[1].entries[0], { traceNumber: '021000020000001' }),
      'NACHA.INVALID_INPUT',
      'batches[1].entries[0].traceNumber',
    ],
  ])('refuses %s', (_name, mutate, code, field) => {
    const input = remitInput();
    mutate(input);
    let caught: unknown;
    try {
      writeNachaFile(input);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(AchError);
    expect(caught).toMatchObject({ code, field });
    expect((caught as AchError).message).toContain(field);
  });

  it('refuses control totals that do not fit 12 digits', () => {
    const input = remitInput();
    input.batches = [
      batch({ entries: Array.from({ length: 101 }, () => entry({ amountCents: 9_999_999_999 })) }),
    ];
    expect(() => writeNachaFile(input)).toThrow(expect.objectContaining({ field: 'batches[0].entries' }));
  });

  it('never puts the account number in an error message', () => {
    const input = remitInput();
    const secret = '55512345678901234';
    firstEntry(input).accountNumber = secret + '9';
    expect(() => writeNachaFile(input)).toThrow(AchError);
    try {
      writeNachaFile(input);
    } catch (error) {
      expect((error as AchError).message).not.toContain(secret);
    }
  });
});
