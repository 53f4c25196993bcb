import 'reflect-metadata';
import { bootstrapService, loadConfig } from '@remit/platform';
import { SettlementModule } from './settlement.module';

void bootstrapService(SettlementModule, { service: 'settlement', port: loadConfig().ports.settlement });
