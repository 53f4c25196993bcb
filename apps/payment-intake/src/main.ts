import 'reflect-metadata';
import { bootstrapService, loadConfig } from '@remit/platform';
import { PaymentIntakeModule } from './payment-intake.module';

void bootstrapService(PaymentIntakeModule, { service: 'payment-intake', port: loadConfig().ports.intake });
