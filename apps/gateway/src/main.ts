import 'reflect-metadata';
import { runService } from '@gridex/runtime';
import { GatewayModule } from './gateway.module';

void runService('gateway', GatewayModule);
