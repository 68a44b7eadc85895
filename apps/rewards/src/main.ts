import 'reflect-metadata';
import { runService } from '@gridex/runtime';
import { RewardsModule } from './rewards.module';

void runService('rewards', RewardsModule);
