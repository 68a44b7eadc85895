import 'reflect-metadata';
import { runService } from '@gridex/runtime';
import { BillingModule } from './billing.module';

void runService('billing', BillingModule);
