import { type LoggerService } from '@nestjs/common';
import { type Level, type Logger, pino } from 'pino';
import { type LogLevel } from '../../config/app-config.js';
import { logSafe } from './log-safe.js';

/** The configuration's level names (Nest's) as pino's. */
const PINO_LEVELS: Readonly<Record<LogLevel, Level>> = {
  fatal: 'fatal',
  error: 'error',
  warn: 'warn',
  log: 'info',
  debug: 'debug',
  verbose: 'trace',
};

/** One JSON object per line on stdout, written synchronously so a crash loses no line. */
export function createPino(level: LogLevel): Logger {
  return pino({
    level: PINO_LEVELS[level],
    base: { service: 'media-collection-api' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  });
}

/**
 * Nest's logger interface over pino. Nest passes the context (the logging class) last, and an
 * error's stack before it; a message may be a string or an object of fields.
 */
export class PinoLogger implements LoggerService {
  constructor(readonly pino: Logger) {}

  log(message: unknown, ...rest: unknown[]): void {
    this.write('info', message, rest);
  }

  error(message: unknown, ...rest: unknown[]): void {
    this.write('error', message, rest);
  }

  warn(message: unknown, ...rest: unknown[]): void {
    this.write('warn', message, rest);
  }

  debug(message: unknown, ...rest: unknown[]): void {
    this.write('debug', message, rest);
  }

  verbose(message: unknown, ...rest: unknown[]): void {
    this.write('trace', message, rest);
  }

  fatal(message: unknown, ...rest: unknown[]): void {
    this.write('fatal', message, rest);
  }

  private write(level: Level, message: unknown, rest: unknown[]): void {
    if (!this.pino.isLevelEnabled(level)) return;
    const fields: Record<string, unknown> = {};
    const strings = rest.filter((item): item is string => typeof item === 'string');
    if (strings.length > 0) fields.context = strings.at(-1);
    if (strings.length > 1) fields.stack = strings[0];
    if (typeof message === 'object' && message !== null && !(message instanceof Error)) {
      const given = logSafe(message) as Record<string, unknown>;
      for (const [key, value] of Object.entries(given)) {
        // A field may not pass for the line's own members (a forged level, time or context).
        fields[RESERVED_FIELDS.has(key) ? `${key}_` : key] = value;
      }
      this.pino[level](fields, summaryOf(given, fields.context));
    } else {
      this.pino[level](fields, String(logSafe(message)));
    }
  }
}

/** Members pino or this logger writes on every line. */
const RESERVED_FIELDS = new Set([
  'level',
  'time',
  'msg',
  'service',
  'context',
  'stack',
  'pid',
  'hostname',
]);

/** Every line has a `msg`: a logged object's own message or error, else its context. */
function summaryOf(fields: Record<string, unknown>, context: unknown): string {
  for (const key of ['message', 'msg', 'error']) {
    if (typeof fields[key] === 'string') return fields[key];
  }
  return typeof context === 'string' ? context : '';
}
