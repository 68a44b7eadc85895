import 'reflect-metadata';
import { runService } from '@gridex/runtime';
import { InventoryModule } from './inventory.module';

void runService('inventory', InventoryModule);
