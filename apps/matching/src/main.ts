import 'reflect-metadata';
import { runService } from '@gridex/runtime';
import { MatchingModule } from './matching.module';

void runService('matching', MatchingModule);
