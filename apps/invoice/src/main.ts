import 'reflect-metadata';
import { bootstrapService, loadConfig } from '@remit/platform';
import { InvoiceModule } from './invoice.module';

void bootstrapService(InvoiceModule, { service: 'invoice', port: loadConfig().ports.invoice });
