import { fixture } from '../test/fixture';
import { AchError } from './ach-error';
import { extractNotificationsOfChange, extractReturns, readNachaFile } from './nacha-reader';
import type { NachaFile, PaymentAddenda, ReturnAddenda } from './nacha-types';

/** Replaces the characters of `line` (1-based) from `position` (1-based) with `value`. */
function put(text: string, line: number, position: number, value: string): string {
  const lines = text.split('\n');
  const record = lines[line - 1].padEnd(94, ' ');
  lines[line - 1] = record.slice(0, position - 1) + value + record.slice(position - 1 + value.length);
  return lines.join('\n');
}

function errorOf(run: () => unknown): AchError {
  try {
    run();
  } catch (error) {
    if (error instanceof AchError) return error;
    throw error;
  }
  throw new Error('expected an AchError');
}

const traces = (file: NachaFile): string[] =>
  file.batches.flatMap((b) => b.entries.map((e) => e.traceNumber));
const amounts = (file: NachaFile): number[] =>
  file.batches.flatMap((b) => b.entries.map((e) => e.amountCents));
const addendaCount = (file: NachaFile): number =>
  file.batches.reduce((n, b) => n + b.entries.reduce((m, e) => m + e.addenda.length, 0), 0);

/*
 * Expected values read by hand from each fixture's text: amounts are positions 30-39 of the '6' records,
 * trace numbers positions 80-94, totals positions 32-43 / 44-55 of the '9' record.
 */
describe(readNachaFile.name, () => {
  it.each([
    {
      name: 'ccd-debit.ach',
      secCodes: ['CCD'],
      amounts: [500000, 125],
      traces: ['031300010000001', '031300010000002'],
      addenda: 0,
      debitCents: 500125,
      creditCents: 0,
    },
    {
      name: 'ppd-debit.ach',
      secCodes: ['PPD'],
      amounts: [200000000],
      traces: ['121042880000001'],
      addenda: 0,
      debitCents: 200000000,
      creditCents: 0,
    },
    {
      name: 'web-debit.ach',
      secCodes: ['WEB', 'WEB', 'PPD'],
      amounts: [3521, 2300, 2499, 1000, 17500, 15000],
      traces: [
        '081000030000000',
        '081000030000001',
        '081000030000002',
        '081000030000003',
        '081000030000004',
        '081000030000005',
      ],
      addenda: 0,
      debitCents: 15000,
      creditCents: 26820,
    },
    {
      name: 'web-credit.ach',
      secCodes: ['WEB'],
      amounts: [10000],
      traces: ['121042880000001'],
      addenda: 1,
      debitCents: 0,
      creditCents: 10000,
    },
    {
      name: 'ppd-mixedDebitCredit.ach',
      secCodes: ['PPD'],
      amounts: [200000000, 100000000, 100000000],
      traces: ['121042880000001', '121042880000002', '121042880000003'],
      addenda: 0,
      debitCents: 200000000,
      creditCents: 200000000,
    },
    {
      name: 'two-micro-deposits.ach',
      secCodes: ['PPD', 'PPD'],
      amounts: [44, 32, 76, 2, 42, 44],
      traces: [
        '121042886829038',
        '121042886829039',
        '121042886829040',
        '121042889211556',
        '121042889211557',
        '121042889211558',
      ],
      addenda: 6,
      debitCents: 120,
      creditCents: 120,
    },
    {
      name: 'return-WEB.ach',
      secCodes: ['WEB', 'WEB'],
      amounts: [12354, 4565],
      traces: ['091000017611242', '021000029461242'],
      addenda: 2,
      debitCents: 12354,
      creditCents: 4565,
    },
    {
      name: 'issue1620_return.ach',
      secCodes: ['CCD'],
      amounts: [1],
      traces: ['062000010000001'],
      addenda: 1,
      debitCents: 0,
      creditCents: 1,
    },
    {
      name: 'contested-return.ach',
      secCodes: ['PPD'],
      amounts: [100000000],
      traces: ['121042880000001'],
      addenda: 3,
      debitCents: 0,
      creditCents: 100000000,
    },
    {
      name: 'dishonored-return.ach',
      secCodes: ['POS'],
      amounts: [25000, 23000],
      traces: ['231380100000001', '231380100000002'],
      addenda: 2,
      debitCents: 48000,
      creditCents: 0,
    },
    {
      name: 'cor-example.ach',
      secCodes: ['COR'],
      amounts: [0],
      traces: ['121042880000001'],
      addenda: 1,
      debitCents: 0,
      creditCents: 0,
    },
    {
      name: 'cor-read.ach',
      secCodes: ['COR'],
      amounts: [0],
      traces: ['121042880000001'],
      addenda: 1,
      debitCents: 0,
      creditCents: 0,
    },
    {
      name: 'short-line.ach',
      secCodes: ['PPD'],
      amounts: [100000000],
      traces: ['121042880000001'],
      addenda: 0,
      debitCents: 100000000,
      creditCents: 0,
    },
    {
      name: 'long-line.ach',
      secCodes: ['PPD'],
      amounts: [100000000],
      traces: ['121042880000001'],
      addenda: 0,
      debitCents: 100000000,
      creditCents: 0,
    },
  ])('reads $name', (expected) => {
    const file = readNachaFile(fixture(expected.name));
    expect(file.batches.map((b) => b.header.standardEntryClass)).toEqual(expected.secCodes);
    expect(amounts(file)).toEqual(expected.amounts);
    expect(traces(file)).toEqual(expected.traces);
    expect(addendaCount(file)).toBe(expected.addenda);
    expect(file.fileControl).toMatchObject({
      batchCount: expected.secCodes.length,
      entryAddendaCount: expected.amounts.length + expected.addenda,
      totalDebitCents: expected.debitCents,
      totalCreditCents: expected.creditCents,
    });
    const batchDebits = file.batches.reduce((sum, b) => sum + b.control.totalDebitCents, 0);
    expect(batchDebits).toBe(expected.debitCents);
  });

  it('reads the headers and entry fields of ccd-debit.ach', () => {
    const file = readNachaFile(fixture('ccd-debit.ach'));
    expect(file.fileHeader).toEqual({
      line: 1,
      priorityCode: '01',
      immediateDestination: '031300012',
      immediateOrigin: '0231380104',
      fileCreationDate: '2019-08-16',
      fileCreationTime: '1055',
      fileIdModifier: 'A',
      destinationName: 'Federal Reserve Bank',
      originName: 'My Bank Name',
      referenceCode: '12345678',
    });
    const batch = file.batches[0];
    expect(batch.header).toEqual({
      line: 2,
      serviceClassCode: 225,
      companyName: 'Name on Account',
      companyDiscretionaryData: '',
      companyIdentification: '231380104',
      standardEntryClass: 'CCD',
      companyEntryDescription: 'Vndr Pay',
      companyDescriptiveDate: '',
      effectiveEntryDate: '2019-08-16',
      settlementDate: null,
      originatorStatusCode: '1',
      originatingDfi: '03130001',
      batchNumber: 1,
    });
    expect(batch.entries[0]).toEqual({
      line: 3,
      transactionCode: 27,
      direction: 'debit',
      routingNumber: '231380104',
      receivingDfi: '23138010',
      checkDigit: 4,
      accountNumber: '744-5678-99',
      amountCents: 500000,
      identificationNumber: 'location1234567',
      receivingName: 'Best Co. #123456789012',
      discretionaryData: 'S',
      addendaRecordIndicator: 0,
      traceNumber: '031300010000001',
      addenda: [],
    });
    expect(batch.control).toEqual({
      line: 5,
      serviceClassCode: 225,
      entryAddendaCount: 2,
      entryHash: 46276020,
      totalDebitCents: 500125,
      totalCreditCents: 0,
      companyIdentification: '231380104',
      messageAuthenticationCode: '',
      originatingDfi: '03130001',
      batchNumber: 1,
    });
    expect(file.fileControl).toEqual({
      line: 6,
      batchCount: 1,
      blockCount: 1,
      entryAddendaCount: 2,
      entryHash: 46276020,
      totalDebitCents: 500125,
      totalCreditCents: 0,
    });
  });

  it('reads the addenda 05 of web-credit.ach and two-micro-deposits.ach', () => {
    const webCredit = readNachaFile(fixture('web-credit.ach')).batches[0].entries[0];
    expect(webCredit.addenda).toEqual([
      {
        line: 4,
        typeCode: '05',
        paymentRelatedInformation: 'PAY-GATE payment\\',
        addendaSequenceNumber: 1,
        entryDetailSequenceNumber: '0000001',
      },
    ]);
    const micro = readNachaFile(fixture('two-micro-deposits.ach'));
    const entries = micro.batches.flatMap((b) => b.entries);
    expect(entries.map((e) => e.transactionCode)).toEqual([32, 32, 27, 32, 32, 27]);
    expect(entries.map((e) => (e.addenda[0] as PaymentAddenda).entryDetailSequenceNumber)).toEqual(
      entries.map((e) => e.traceNumber.slice(8)),
    );
    expect(micro.fileControl.blockCount).toBe(2);
  });

  it('keeps the blank-filled fields of web-debit.ach as written (discretionary data " S")', () => {
    const file = readNachaFile(fixture('web-debit.ach'));
    const first = file.batches[0].entries[0];
    expect(first).toMatchObject({
      routingNumber: '081000210',
      accountNumber: '12345678901234567',
      receivingName: 'John Doe',
      discretionaryData: ' S',
      direction: 'credit',
    });
    expect(file.batches.map((b) => [b.header.serviceClassCode, b.header.companyDescriptiveDate])).toEqual([
      [220, 'Mar 5'],
      [220, 'Mar 16'],
      [225, 'Mar 6'],
    ]);
    expect(file.fileControl.entryHash).toBe(50600106);
  });
});

describe('return files', () => {
  it('return-WEB.ach carries R01 and R03 for the original traces 091400600000001 and 091400600000003', () => {
    const file = readNachaFile(fixture('return-WEB.ach'));
    expect(file.fileHeader).toMatchObject({
      immediateDestination: '091400606',
      immediateOrigin: '691000134',
      destinationName: 'FIRST BANK & TRUST',
      originName: 'ASF APPLICATION SUPERVI',
    });
    // The batch control right-justifies the company identification (' 123456789'): accepted.
    expect(file.batches[0].control.companyIdentification).toBe(' 123456789');
    expect(file.batches[0].header.effectiveEntryDate).toBe('2000-01-01');
    expect(extractReturns(file)).toEqual([
      {
        batchNumber: 1,
        line: 4,
        returnCode: 'R01',
        category: 'return',
        originalTraceNumber: '091400600000001',
        traceNumber: '091000017611242',
        transactionCode: 26,
        amountCents: 12354,
        dateOfDeath: null,
        addendaInformation: '',
      },
      {
        batchNumber: 2,
        line: 8,
        returnCode: 'R03',
        category: 'return',
        originalTraceNumber: '091400600000003',
        traceNumber: '021000029461242',
        transactionCode: 21,
        amountCents: 4565,
        dateOfDeath: null,
        addendaInformation: '',
      },
    ]);
    const addenda = file.batches[0].entries[0].addenda[0] as ReturnAddenda;
    expect(addenda).toMatchObject({ originalReceivingDfi: '09100001', traceNumber: '091000017611242' });
  });

  it('issue1620_return.ach: R03 on a 1-cent prenote-like credit, batch 4', () => {
    const file = readNachaFile(fixture('issue1620_return.ach'));
    expect(file.batches[0].header).toMatchObject({
      serviceClassCode: 200,
      companyIdentification: '9999999999',
      companyEntryDescription: 'Prenote',
      effectiveEntryDate: null,
      batchNumber: 4,
    });
    expect(file.batches[0].entries[0].addenda[0]).toEqual({
      line: 4,
      typeCode: '99',
      category: 'return',
      returnCode: 'R03',
      originalTraceNumber: '062000010000001',
      dateOfDeath: null,
      originalReceivingDfi: '12345678',
      addendaInformation: '',
      traceNumber: '987654321000001',
    });
  });

  it('dishonored-return.ach: two R68 dishonored returns of an R01 return', () => {
    const file = readNachaFile(fixture('dishonored-return.ach'));
    const addenda = file.batches[0].entries.map((e) => e.addenda[0] as ReturnAddenda);
    expect(addenda.map((a) => [a.returnCode, a.category, a.traceNumber])).toEqual([
      ['R68', 'dishonored_return', '231380100000001'],
      ['R68', 'dishonored_return', '231380100000002'],
    ]);
    expect(addenda[0]).toMatchObject({
      originalTraceNumber: '059999990000301',
      originalReceivingDfi: '12391871',
      addendaInformation: 'Untimely Return',
      dateOfDeath: null,
      dishonored: {
        returnTraceNumber: '123918710000001',
        returnSettlementDate: '179',
        originalReturnCode: 'R01',
      },
    });
  });

  it('contested-return.ach: one entry with an R07 return, an R68 dishonored and an R71 contested addenda', () => {
    const file = readNachaFile(fixture('contested-return.ach'));
    const returns = extractReturns(file);
    expect(returns.map((r) => [r.returnCode, r.category, r.line, r.amountCents])).toEqual([
      ['R07', 'return', 4, 100000000],
      ['R68', 'dishonored_return', 5, 100000000],
      ['R71', 'contested_dishonored_return', 6, 100000000],
    ]);
    expect(returns[0].addendaInformation).toBe('Authorization Revoked');
    expect(file.batches[0].entries[0].addenda[2]).toMatchObject({
      originalTraceNumber: '059999990000301',
      traceNumber: '123918710000001',
      contested: {
        dateOriginalEntryReturned: '000167',
        originalSettlementDate: '164',
        returnTraceNumber: '779999990000301',
        returnSettlementDate: '165',
        originalReturnCode: 'R01',
        dishonoredReturnTraceNumber: '889999990000301',
        dishonoredReturnSettlementDate: '166',
        dishonoredReturnCode: 'R67',
      },
    });
  });

  describe('custom return codes', () => {
    it('refuses return-PPD-custom-reason-code.ach (R97) by default, naming line 4 and returnCode', () => {
      const error = errorOf(() => readNachaFile(fixture('return-PPD-custom-reason-code.ach')));
      expect(error).toMatchObject({ code: 'NACHA.MALFORMED', line: 4, field: 'returnCode' });
    });

    it('reads it when the bank is configured to send R97', () => {
      const file = readNachaFile(fixture('return-PPD-custom-reason-code.ach'), {
        customReturnCodes: ['R97'],
      });
      expect(file.fileHeader).toMatchObject({
        immediateOrigin: '172444390',
        originName: 'Fake origin',
        referenceCode: '',
      });
      expect(file.batches[0].header).toMatchObject({
        companyName: 'dummy company',
        companyDiscretionaryData: 'PAYROLL',
        companyIdentification: '1234567',
        effectiveEntryDate: '2021-07-02',
      });
      expect(extractReturns(file)).toEqual([
        expect.objectContaining({
          returnCode: 'R97',
          category: 'return',
          originalTraceNumber: '092221172022300',
          traceNumber: '092221170000001',
          amountCents: 106161,
        }),
      ]);
      expect(file.fileControl.totalCreditCents).toBe(106161);
    });
  });
});

describe('notifications of change', () => {
  it.each(['cor-example.ach', 'cor-read.ach'])('%s: C01 with corrected account 1918171614', (name) => {
    const file = readNachaFile(fixture(name));
    expect(file.batches[0].entries[0]).toMatchObject({
      transactionCode: 21,
      amountCents: 0,
      routingNumber: '231380104',
    });
    expect(extractNotificationsOfChange(file)).toEqual([
      {
        batchNumber: 1,
        line: 4,
        changeCode: 'C01',
        originalTraceNumber: '121042880000001',
        correctedData: '1918171614',
        traceNumber: '121042880000001',
      },
    ]);
    expect(file.batches[0].entries[0].addenda[0]).toMatchObject({
      typeCode: '98',
      originalReceivingDfi: '12104288',
      traceNumber: '091012980000088',
    });
    expect(extractReturns(file)).toEqual([]);
  });
});

describe('tolerance', () => {
  const ccd = fixture('ccd-debit.ach');
  const expected = readNachaFile(ccd);

  it.each([
    ['CRLF line ends', ccd.replace(/\n/g, '\r\n')],
    ['a final newline', ccd + '\n'],
    ['a final CRLF and blank lines', ccd + '\r\n\r\n'],
    ['a byte order mark', '\uFEFF' + ccd],
    [
      'trailing spaces stripped from every line',
      ccd
        .split('\n')
        .map((l) => l.trimEnd())
        .join('\n'),
    ],
    [
      'trailing tabs and spaces added',
      ccd
        .split('\n')
        .map((l) => l + ' \t ')
        .join('\n'),
    ],
    ['no filler records', ccd.split('\n').slice(0, 6).join('\n')],
  ])('reads the same file with %s', (_name, text) => {
    expect(readNachaFile(text)).toEqual(expected);
  });

  it('reads unbroken 94-character records with no line ends', () => {
    expect(readNachaFile(ccd.replace(/\n/g, ''))).toEqual(expected);
  });

  it('keeps the 1-based line numbers of the file when blank lines are skipped', () => {
    const file = readNachaFile(ccd.replace('\n5225', '\n\n5225'));
    expect(file.batches[0].header.line).toBe(3);
    expect(file.fileControl.line).toBe(7);
  });

  it('short-line.ach and long-line.ach read as the same PPD file', () => {
    const short = readNachaFile(fixture('short-line.ach'));
    const long = readNachaFile(fixture('long-line.ach'));
    expect(long.batches).toEqual(short.batches);
    expect(long.fileControl).toEqual(short.fileControl);
  });
});

describe('malformed files', () => {
  it('ppd-debit-invalid-entryDetail-checkDigit.ach is refused at line 3, field checkDigit', () => {
    const error = errorOf(() => readNachaFile(fixture('ppd-debit-invalid-entryDetail-checkDigit.ach')));
    expect(error).toMatchObject({ code: 'NACHA.MALFORMED', line: 3, field: 'checkDigit' });
    expect(error.message).toBe(
      'NACHA line 3, field checkDigit: check digit 5 does not match 4, the ABA check digit of receiving DFI 23138010',
    );
  });

  it.each([[{}], [{ customReturnCodes: ['R97'] }]])(
    'pos-invalidReturnFile.ach (R96, not a NACHA code) is refused at line 4, field returnCode (options %o)',
    (options) => {
      const error = errorOf(() => readNachaFile(fixture('pos-invalidReturnFile.ach'), options));
      expect(error).toMatchObject({ code: 'NACHA.MALFORMED', line: 4, field: 'returnCode' });
      expect(error.message).toMatch(/^NACHA line 4, field returnCode: 'R96'/);
    },
  );

  const ccd = fixture('ccd-debit.ach');
  const webCredit = fixture('web-credit.ach');
  const returnWeb = fixture('return-WEB.ach');
  const cor = fixture('cor-example.ach');
  const M = 'NACHA.MALFORMED';
  const C = 'NACHA.CONTROL_MISMATCH';

  it.each<[string, string, number, number, string, string, string]>([
    // [case, file, line, position, new text, code, field] -- the error names the same line
    ['file header record type', ccd, 1, 1, '2', M, 'recordTypeCode'],
    ['priority code', ccd, 1, 2, 'X1', M, 'priorityCode'],
    ['immediate destination', ccd, 1, 4, ' 03130001X', M, 'immediateDestination'],
    ['immediate origin', ccd, 1, 14, '023138010!', M, 'immediateOrigin'],
    ['file creation date', ccd, 1, 24, '191332', M, 'fileCreationDate'],
    ['file creation time', ccd, 1, 30, '2561', M, 'fileCreationTime'],
    ['file id modifier', ccd, 1, 34, 'a', M, 'fileIdModifier'],
    ['record size', ccd, 1, 35, '095', M, 'recordSize'],
    ['blocking factor', ccd, 1, 38, '20', M, 'blockingFactor'],
    ['format code', ccd, 1, 40, '2', M, 'formatCode'],
    ['batch header where an entry is due', ccd, 2, 1, '6', M, 'recordTypeCode'],
    ['service class code', ccd, 2, 2, '210', M, 'serviceClassCode'],
    ['SEC code', ccd, 2, 51, 'cc1', M, 'standardEntryClass'],
    ['effective entry date', ccd, 2, 70, '191399', M, 'effectiveEntryDate'],
    ['non-numeric effective entry date', ccd, 2, 70, '19O816', M, 'effectiveEntryDate'],
    ['originating DFI', ccd, 2, 80, '0313000A', M, 'originatingDfi'],
    ['batch number', ccd, 2, 88, '000000X', M, 'batchNumber'],
    ['addenda before any entry', ccd, 3, 1, '7', M, 'recordTypeCode'],
    ['unknown transaction code', ccd, 3, 2, '25', M, 'transactionCode'],
    ['credit in a debits-only batch', ccd, 3, 2, '22', M, 'transactionCode'],
    ['receiving DFI', ccd, 3, 4, '2313801A', M, 'receivingDfi'],
    ['check digit', ccd, 3, 12, '5', M, 'checkDigit'],
    ['non-digit check digit', ccd, 3, 12, 'X', M, 'checkDigit'],
    ['amount with a decimal point', ccd, 3, 30, '00005000.0', M, 'amount'],
    ['addenda record indicator 2', ccd, 3, 79, '2', M, 'addendaRecordIndicator'],
    ['indicator 1 without addenda', ccd, 3, 79, '1', M, 'addendaRecordIndicator'],
    ['trace number', ccd, 3, 80, '03130001000000A', M, 'traceNumber'],
    ['addenda after an entry whose indicator is 0', ccd, 4, 1, '7', M, 'addendaRecordIndicator'],
    ['batch header inside a batch', ccd, 4, 1, '5', M, 'recordTypeCode'],
    ['batch control service class', ccd, 5, 2, '220', M, 'serviceClassCode'],
    ['batch control company identification', ccd, 5, 45, '999999999 ', M, 'companyIdentification'],
    ['batch control originating DFI', ccd, 5, 80, '03130002', M, 'originatingDfi'],
    ['batch control batch number', ccd, 5, 88, '0000002', M, 'batchNumber'],
    ['batch entry/addenda count', ccd, 5, 5, '000003', C, 'entryAddendaCount'],
    ['batch entry hash', ccd, 5, 11, '0046276021', C, 'entryHash'],
    ['batch total debit', ccd, 5, 21, '000000500126', C, 'totalDebitAmount'],
    ['batch total credit', ccd, 5, 33, '000000000001', C, 'totalCreditAmount'],
    ['batch total that is not numeric', ccd, 5, 21, '00000050012X', M, 'totalDebitAmount'],
    ['file batch count', ccd, 6, 2, '000002', C, 'batchCount'],
    ['file block count', ccd, 6, 8, '000002', C, 'blockCount'],
    ['file entry/addenda count', ccd, 6, 14, '00000003', C, 'entryAddendaCount'],
    ['file entry hash', ccd, 6, 22, '0046276021', C, 'entryHash'],
    ['file total debit', ccd, 6, 32, '000000500126', C, 'totalDebitAmount'],
    ['file total credit', ccd, 6, 44, '000000000001', C, 'totalCreditAmount'],
    ['a record after the file control', ccd, 7, 1, '1', M, 'recordTypeCode'],
    ['entry where a batch header is due', ccd, 6, 1, '6', M, 'recordTypeCode'],
    ['debit in a credits-only batch', webCredit, 3, 2, '27', M, 'transactionCode'],
    ['addenda type 02', webCredit, 4, 2, '02', M, 'addendaTypeCode'],
    ['addenda sequence number', webCredit, 4, 84, '000A', M, 'addendaSequenceNumber'],
    ['entry detail sequence number', webCredit, 4, 88, '00000A1', M, 'entryDetailSequenceNumber'],
    ['unassigned return code R48', returnWeb, 4, 4, 'R48', M, 'returnCode'],
    ['lower-case return code', returnWeb, 4, 4, 'r01', M, 'returnCode'],
    ['original trace number', returnWeb, 4, 7, '09140060000000A', M, 'originalTraceNumber'],
    ['date of death', returnWeb, 4, 22, '991332', M, 'dateOfDeath'],
    ['original receiving DFI', returnWeb, 4, 28, '0910000A', M, 'originalReceivingDfi'],
    ['return addenda trace number', returnWeb, 4, 80, 'A', M, 'traceNumber'],
    ['change code C15', cor, 4, 4, 'C15', M, 'changeCode'],
    ['NOC original trace number', cor, 4, 7, '12104288000000X', M, 'originalTraceNumber'],
  ])('refuses a bad %s', (_name, text, line, position, value, code, field) => {
    const error = errorOf(() => readNachaFile(put(text, line, position, value)));
    expect(error).toMatchObject({ code, line, field });
    expect(error.message).toMatch(new RegExp(`^NACHA line ${line}, field ${field}: `));
    // Account numbers go to the bank, never into messages that may be logged.
    expect(error.message).not.toMatch(/744-5678-99|123456789 {2}|867530999999/);
  });

  it('refuses an entry amount that disagrees with the batch control, at the batch control line', () => {
    const error = errorOf(() => readNachaFile(put(ccd, 3, 30, '0000500001')));
    expect(error).toMatchObject({ code: 'NACHA.CONTROL_MISMATCH', line: 5, field: 'totalDebitAmount' });
    expect(error.message).toBe(
      'NACHA line 5, field totalDebitAmount: total debit amount is 500125 but the records add up to 500126',
    );
  });

  it.each([
    ['ADV', 'NACHA.UNSUPPORTED'],
    ['IAT', 'NACHA.UNSUPPORTED'],
  ])('refuses %s batches as %s', (sec, code) => {
    const error = errorOf(() => readNachaFile(put(ccd, 2, 51, sec)));
    expect(error).toMatchObject({ code, line: 2, field: 'standardEntryClass' });
  });

  it('accepts a date of death on an R15 return', () => {
    const text = put(put(returnWeb, 4, 4, 'R15'), 4, 22, '261120');
    const addenda = readNachaFile(text).batches[0].entries[0].addenda[0] as ReturnAddenda;
    expect(addenda).toMatchObject({ returnCode: 'R15', dateOfDeath: '2026-11-20' });
  });

  it('reads the settlement day the ACH Operator inserted', () => {
    expect(readNachaFile(put(ccd, 2, 76, '330')).batches[0].header.settlementDate).toBe('330');
  });

  it('accepts a blank file creation time', () => {
    expect(readNachaFile(put(ccd, 1, 30, '    ')).fileHeader.fileCreationTime).toBe('');
  });

  it.each([
    ['an empty file', '', 1],
    ['only blank lines', '\n  \n\n', 1],
    ['a file that ends inside a batch', ccd.split('\n').slice(0, 4).join('\n'), 4],
    ['a file without file control', ccd.split('\n').slice(0, 5).join('\n'), 5],
  ])('refuses %s, naming the last line', (_name, text, line) => {
    expect(errorOf(() => readNachaFile(text))).toMatchObject({
      code: 'NACHA.MALFORMED',
      line,
      field: 'recordTypeCode',
    });
  });

  it('refuses a line longer than 94 characters that carries more than whitespace', () => {
    const lines = ccd.split('\n');
    lines[2] = lines[2] + '   X';
    expect(errorOf(() => readNachaFile(lines.join('\n')))).toMatchObject({
      code: 'NACHA.MALFORMED',
      line: 3,
      field: 'recordLength',
    });
  });
});
