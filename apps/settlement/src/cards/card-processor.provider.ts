import { Logger, type Provider } from '@nestjs/common';
import { REMIT_CONFIG, type RemitConfig } from '@remit/platform';
import { CardProcessor } from './card-processor';
import { SandboxCardProcessor } from './sandbox-card-processor';

/** `CARD_PROCESSOR` picks the adapter; a real processor adds its case here. */
export const cardProcessorProvider: Provider = {
  provide: CardProcessor,
  inject: [REMIT_CONFIG],
  useFactory: (config: Pick<RemitConfig, 'cardProcessor' | 'nodeEnv'>): CardProcessor => {
    switch (config.cardProcessor) {
      case 'sandbox':
        if (config.nodeEnv === 'production') {
          // Only the sandbox exists so far: say so loudly rather than let it pass for a processor.
          new Logger('CardProcessor').warn(
            'CARD_PROCESSOR=sandbox in production: card payments move no money',
          );
        }
        return new SandboxCardProcessor();
    }
  },
};
