import { ConsoleLogger, Logger } from '@nestjs/common';
import { type Level, pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { PinoLogger, createPino } from '../../src/common/logging/pino-logger.js';

interface Line {
  level: string;
  time: string;
  msg?: string;
  context?: string;
  stack?: string;
  [field: string]: unknown;
}

/** A PinoLogger over a pino that writes to memory, formatted as the service's (`createPino`). */
function recorded(level: Level = 'trace') {
  const raw: string[] = [];
  const instance = pino(
    {
      level,
      base: { service: 'media-collection-api' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    { write: (text: string) => void raw.push(text) },
  );
  return {
    logger: new PinoLogger(instance),
    raw,
    lines: (): Line[] => raw.map((text) => JSON.parse(text) as Line),
  };
}

const ISO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

describe('PinoLogger (C6: the details of a 500 go to the log under its requestId)', () => {
  afterEach(() => {
    Logger.overrideLogger(new ConsoleLogger());
  });

  describe('levels', () => {
    it.each([
      ['log', 'info'],
      ['error', 'error'],
      ['warn', 'warn'],
      ['debug', 'debug'],
      ['verbose', 'trace'],
      ['fatal', 'fatal'],
    ] as const)("C6: Nest's %s is pino's %s", (method, level) => {
      const { logger, lines } = recorded();
      logger[method]('text');
      expect(lines()).toEqual([expect.objectContaining({ level, msg: 'text' })]);
    });

    it.each([
      ['fatal', 'fatal'],
      ['error', 'error'],
      ['warn', 'warn'],
      ['log', 'info'],
      ['debug', 'debug'],
      ['verbose', 'trace'],
    ] as const)('C6: createPino(%j) logs at pino level %j', (configured, level) => {
      expect(createPino(configured).level).toBe(level);
    });

    it('C6: below the configured level nothing is written', () => {
      const { logger, raw } = recorded('warn');
      logger.log('info line', 'Ctx');
      logger.debug('debug line', 'Ctx');
      logger.verbose('trace line', 'Ctx');
      expect(raw).toEqual([]);
      logger.warn('w');
      logger.error('e');
      logger.fatal('f');
      expect(raw).toHaveLength(3);
    });

    it('C6: a disabled level does not even look at the message', () => {
      const { logger, raw } = recorded('error');
      const untouchable = new Proxy(
        {},
        {
          ownKeys: () => {
            throw new Error('read');
          },
          get: () => {
            throw new Error('read');
          },
        },
      );
      expect(() => logger.log(untouchable, 'Ctx')).not.toThrow();
      expect(() => logger.debug(untouchable)).not.toThrow();
      expect(raw).toEqual([]);
    });
  });

  describe('one JSON object per line', () => {
    it('C6: each call writes exactly one line with level, time, service and msg', () => {
      const { logger, raw, lines } = recorded();
      logger.log('first', 'Main');
      logger.error('second\nwith a newline', 'stack\n    at x (y.js:1:1)', 'Errors');
      expect(raw).toHaveLength(2);
      for (const text of raw) {
        expect(text.endsWith('\n')).toBe(true);
        expect(text.slice(0, -1)).not.toContain('\n');
      }
      for (const line of lines()) {
        expect(line.time).toMatch(ISO_TIME);
        expect(line.service).toBe('media-collection-api');
        expect(typeof line.msg).toBe('string');
      }
      expect(lines()[1]?.msg).toBe('second\nwith a newline');
    });
  });

  describe('context and stack, as Nest passes them', () => {
    it('C6: the last string argument is the context', () => {
      const { logger, lines } = recorded();
      logger.log('listening on http://127.0.0.1:3000', 'Main');
      expect(lines()[0]).toMatchObject({
        level: 'info',
        msg: 'listening on http://127.0.0.1:3000',
        context: 'Main',
      });
      expect(lines()[0]).not.toHaveProperty('stack');
    });

    it('C6: error(message, stack, context) puts the stack in `stack` and the context in `context`', () => {
      const { logger, lines } = recorded();
      const error = new Error('relation "events" does not exist');
      logger.error('query failed', error.stack, 'Errors');
      expect(lines()[0]).toMatchObject({
        level: 'error',
        msg: 'query failed',
        context: 'Errors',
        stack: error.stack,
      });
    });

    it('C6: without context or stack the line has neither', () => {
      const { logger, lines } = recorded();
      logger.warn('plain');
      expect(lines()[0]).not.toHaveProperty('context');
      expect(lines()[0]).not.toHaveProperty('stack');
    });

    it("C6: through Nest's Logger: new Logger('Errors').error(fields, stack)", () => {
      const { logger, lines } = recorded();
      Logger.overrideLogger(logger);
      const error = new TypeError('boom');
      new Logger('Errors').error(
        { requestId: 'req-1', method: 'POST', url: '/api/v1/sessions', error: 'TypeError: boom' },
        error.stack,
      );
      expect(lines()).toEqual([
        expect.objectContaining({
          level: 'error',
          context: 'Errors',
          stack: error.stack,
          requestId: 'req-1',
          method: 'POST',
          url: '/api/v1/sessions',
          error: 'TypeError: boom',
        }),
      ]);
    });

    it("C6: through Nest's Logger: an error without a stack has only the context", () => {
      const { logger, lines } = recorded();
      Logger.overrideLogger(logger);
      new Logger('Errors').error({ requestId: 'req-2' }, undefined);
      new Logger('Main').log('listening on x');
      new Logger('Sweeper').warn('sweep failed');
      expect(lines()).toEqual([
        expect.objectContaining({ level: 'error', context: 'Errors', requestId: 'req-2' }),
        expect.objectContaining({ level: 'info', context: 'Main', msg: 'listening on x' }),
        expect.objectContaining({ level: 'warn', context: 'Sweeper', msg: 'sweep failed' }),
      ]);
      for (const line of lines()) expect(line).not.toHaveProperty('stack');
    });

    it("C6: through Nest's Logger: debug and verbose reach pino's debug and trace", () => {
      const { logger, lines } = recorded();
      Logger.overrideLogger(logger);
      new Logger('Sweeper').debug('closed 3 expired sessions');
      new Logger('Sweeper').verbose('detail');
      expect(lines()).toEqual([
        expect.objectContaining({ level: 'debug', context: 'Sweeper' }),
        expect.objectContaining({ level: 'trace', context: 'Sweeper' }),
      ]);
    });
  });

  describe('messages', () => {
    it('C6: an object message becomes fields of the line, bounded like every logged value', () => {
      const { logger, lines } = recorded();
      logger.error({ requestId: 'r', url: `/x?${'a'.repeat(1_000)}` }, undefined, 'Errors');
      const [line] = lines();
      expect(line).toMatchObject({ level: 'error', requestId: 'r', context: 'Errors' });
      expect(line?.url).toBe(`/x?${'a'.repeat(297)}…(703 more)`);
      // Every line has a msg: without a message or error of its own, the context.
      expect(line?.msg).toBe('Errors');
    });

    it('C6: a long string message is cut to 300 characters', () => {
      const { logger, lines } = recorded();
      logger.log('m'.repeat(5_000));
      expect(lines()[0]?.msg).toBe(`${'m'.repeat(300)}…(4700 more)`);
    });

    it('C6: an Error message is logged as "Name: message"', () => {
      const { logger, lines } = recorded();
      logger.error(new RangeError('out of range'), 'Errors');
      expect(lines()[0]).toMatchObject({ msg: 'RangeError: out of range', context: 'Errors' });
    });

    it('C6: a client string in a message stays in its field: no forged line, level or key', () => {
      const { logger, raw, lines } = recorded();
      const hostile = 'x"}\n{"level":"fatal","msg":"forged","time":"1970"}\r\u001b[31m';
      logger.warn(hostile, 'Errors');
      logger.error({ url: hostile }, undefined, 'Errors');
      expect(raw).toHaveLength(2);
      expect(lines().map((l) => l.level)).toEqual(['warn', 'error']);
      expect(lines()[0]?.msg).toBe(hostile);
      expect(lines()[1]?.url).toBe(hostile);
      for (const text of raw) expect(text.slice(0, -1)).not.toMatch(/[\n\r]/);
    });

    it('C6: an object message cannot override the level or the time of its line', () => {
      const { logger, lines } = recorded();
      logger.log({ level: 'fatal', time: 'forged', note: 'x' }, 'Ctx');
      const [line] = lines();
      // The object's fields must not replace the line's own (JSON.parse keeps the last duplicate).
      expect(line?.level).toBe('info');
      expect(line?.time).toMatch(ISO_TIME);
      expect(line?.note).toBe('x');
    });
  });
});
