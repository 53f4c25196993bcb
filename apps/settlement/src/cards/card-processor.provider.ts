import type { Provider } from '@nestjs/common';
import { REMIT_CONFIG, type RemitConfig } from '@remit/platform';
import { CardProcessor } from './card-processor';
import { SandboxCardProcessor } from './sandbox-card-processor';

/** `CARD_PROCESSOR` picks the adapter; a real processor adds its case here. */
export const cardProcessorProvider: Provider = {
  provide: CardProcessor,
  inject: [REMIT_CONFIG],
  useFactory: (config: Pick<RemitConfig, 'cardProcessor'>): CardProcessor => {
    switch (config.cardProcessor) {
      case 'sandbox':
        return new SandboxCardProcessor();
    }
  },
};
