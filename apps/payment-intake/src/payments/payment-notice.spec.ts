import { paymentNotice, type NoticeSettings } from './payment-notice';

describe(paymentNotice.name, () => {
  const settings: NoticeSettings = {
    checkRemitAddress: 'Fusion, P. O. Box 411470, Boston, MA 02241-1289',
    wireInstructions: {
      beneficiaryName: 'Fusion',
      bankName: 'Example Bank',
      routingNumber: '021000021',
      accountNumber: '000000000000',
    },
  };
  const paymentId = '00000000-0000-4000-8000-000000000001';

  it.each([
    ['ach', /up to 2 business days.*Return Fee of \$25\.00/],
    ['saved', /up to 2 business days/],
    ['card', /card processor approves/],
    [
      'check',
      /Mail the check to: Fusion, P\. O\. Box 411470, Boston, MA 02241-1289\..*up to 5 business days/,
    ],
    ['wire', /Fusion, Example Bank, routing number 021000021, account 000000000000.*up to 2 business days/],
  ] as const)('%s: %s', (method, expected) => {
    expect(paymentNotice(method, settings, paymentId)).toMatch(expected);
  });

  it('names the payment on a check and a wire, so the receipt can be matched to it', () => {
    expect(paymentNotice('check', settings, paymentId)).toContain(paymentId);
    expect(paymentNotice('wire', settings, paymentId)).toContain(paymentId);
  });
});
