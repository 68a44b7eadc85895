import 'reflect-metadata';
import { runService } from '@gridex/runtime';
import { OrchestratorModule } from './orchestrator.module';

void runService('orchestrator', OrchestratorModule);
