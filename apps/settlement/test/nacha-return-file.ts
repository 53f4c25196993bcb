import { randomInt } from 'node:crypto';
import { readNachaFile, writeNachaFile, type NachaEntryInput } from '@remit/ach';

/** One entry of an origination file to send back, as a return (addenda 99) or a notification of change (98). */
export type BankReply =
  | { kind: 'return'; originalTraceNumber: string; returnCode: string }
  | { kind: 'notice'; originalTraceNumber: string; changeCode: string; correctedData: string };

interface OriginalEntry {
  routingNumber: string;
  accountNumber: string;
  amountCents: number;
  traceNumber: string;
  receivingName: string;
}

/**
 * A return / NOC file as the bank would send it back for entries of `originationFile` (or for a
 * trace number it never held, with `unknown`). The libs/ach writer writes origination files only, so
 * each reply is written as an addenda 05 whose 80 characters are laid out as the addenda 99 (or 98)
 * record's positions 4-83, then the type code is turned into 99 (98): counts, hash and totals stay
 * those the writer computed, and the libs/ach reader checks them like any bank file.
 */
export function bankReplyFile(
  originationFile: string,
  replies: readonly BankReply[],
  unknown: readonly { routingNumber: string; accountNumber: string; amountCents: number }[] = [],
): string {
  const origination = readNachaFile(originationFile);
  const byTrace = new Map<string, OriginalEntry>(
    origination.batches.flatMap((batch) => batch.entries.map((entry) => [entry.traceNumber, entry])),
  );
  const rdfiPrefix = '02100002';
  let sequence = 0;
  const entries: NachaEntryInput[] = [];
  const typeCodes: string[] = [];
  const reply = (original: OriginalEntry, body: string, typeCode: string): void => {
    sequence += 1;
    entries.push({
      transactionCode: 27,
      routingNumber: original.routingNumber,
      accountNumber: original.accountNumber,
      amountCents: original.amountCents,
      receivingCompanyName: original.receivingName,
      traceNumber: rdfiPrefix + String(sequence).padStart(7, '0'),
      paymentRelatedInformation: body,
    });
    typeCodes.push(typeCode);
  };
  for (const item of replies) {
    const original = byTrace.get(item.originalTraceNumber);
    if (!original) throw new Error(`trace ${item.originalTraceNumber} is not in the origination file`);
    const rdfi = original.routingNumber.slice(0, 8);
    // Positions 4-83 of the addenda record; 80-83 are the first 4 digits of its trace number.
    const body =
      item.kind === 'return'
        ? `${item.returnCode}${item.originalTraceNumber}${' '.repeat(6)}${rdfi}${'RETURNED'.padEnd(44)}0210`
        : `${item.changeCode}${item.originalTraceNumber}${' '.repeat(6)}${rdfi}${item.correctedData.padEnd(29)}${' '.repeat(15)}0210`;
    reply(original, body, item.kind === 'return' ? '99' : '98');
  }
  for (const stranger of unknown) {
    // A trace number no entry of ours has (our sequence is far from 9,000,000).
    const trace = `09100001${9_000_000 + randomInt(1_000_000)}`;
    reply(
      { ...stranger, traceNumber: trace, receivingName: 'STRANGER' },
      `R03${trace}${' '.repeat(6)}${stranger.routingNumber.slice(0, 8)}${'RETURNED'.padEnd(44)}0210`,
      '99',
    );
  }
  const text = writeNachaFile({
    immediateDestination: '091000019',
    immediateOrigin: '021000021',
    destinationName: 'REMIT',
    originName: 'RDFI BANK',
    fileCreationDate: origination.fileHeader.fileCreationDate,
    fileCreationTime: '0900',
    fileIdModifier: 'A',
    batches: [
      {
        companyName: 'REMIT',
        companyIdentification: '1234567890',
        companyEntryDescription: 'RETURN',
        effectiveEntryDate: origination.batches[0]?.header.effectiveEntryDate ?? '2030-01-02',
        originatingDfi: rdfiPrefix,
        standardEntryClass: 'CCD',
        serviceClassCode: 225,
        entries,
      },
    ],
  });
  let addenda = 0;
  return text
    .split('\n')
    .map((line) => (line.startsWith('705') ? `7${typeCodes[addenda++]}${line.slice(3)}` : line))
    .join('\n');
}
