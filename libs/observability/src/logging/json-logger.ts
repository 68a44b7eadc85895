import { LoggerService, LogLevel as NestLogLevel } from '@nestjs/common';
import pino, { DestinationStream, Logger, LevelWithSilent } from 'pino';
import { currentCorrelation } from './correlation-context';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/**
 * Structured JSON logs (pino) for a service, used as Nest's application logger so framework and service logs
 * come out alike. Every line carries the service name and, inside a request or event, its correlation ids.
 */
export class JsonLogger implements LoggerService {
  readonly pino: Logger;

  constructor(service: string, level: LogLevel = 'info', destination?: DestinationStream) {
    const options = {
      level: level as LevelWithSilent,
      base: { service },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label: string) => ({ level: label }) },
      mixin: () => ({ ...currentCorrelation() }),
    };
    this.pino = destination ? pino(options, destination) : pino(options);
  }

  log(message: unknown, ...optional: unknown[]): void {
    this.write('info', message, optional);
  }
  error(message: unknown, ...optional: unknown[]): void {
    this.write('error', message, optional);
  }
  warn(message: unknown, ...optional: unknown[]): void {
    this.write('warn', message, optional);
  }
  debug(message: unknown, ...optional: unknown[]): void {
    this.write('debug', message, optional);
  }
  verbose(message: unknown, ...optional: unknown[]): void {
    this.write('trace', message, optional);
  }
  fatal(message: unknown, ...optional: unknown[]): void {
    this.write('fatal', message, optional);
  }
  setLogLevels(levels: NestLogLevel[]): void {
    this.pino.level = levels.includes('debug') ? 'debug' : levels.includes('log') ? 'info' : 'warn';
  }

  // Nest passes (message, context) or (message, stack, context); the last string is the context.
  private write(
    level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace',
    message: unknown,
    optional: unknown[],
  ): void {
    const context =
      typeof optional[optional.length - 1] === 'string' ? (optional.pop() as string) : undefined;
    const stack =
      level === 'error' && typeof optional[0] === 'string' ? (optional.shift() as string) : undefined;
    const fields: Record<string, unknown> = {};
    if (context) fields.context = context;
    if (stack) fields.stack = stack;
    if (message instanceof Error) {
      this.pino[level]({ ...fields, err: message }, message.message);
    } else if (typeof message === 'object' && message !== null) {
      this.pino[level]({ ...fields, ...(message as Record<string, unknown>) });
    } else {
      this.pino[level](fields, String(message));
    }
  }
}
