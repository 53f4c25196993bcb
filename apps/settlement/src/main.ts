import 'reflect-metadata';
import { bootstrapService, loadConfig } from '@remit/kit';
import { SettlementModule } from './settlement.module';

void bootstrapService(SettlementModule, { service: 'settlement', port: loadConfig().ports.settlement });
