import { LoggerModule } from 'nestjs-pino';

/** Paths that may carry credentials; pino replaces them before a line is written. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  '*.data',
  '*.stringData',
  '*.token',
  '*.password',
  '*.auth',
  '*["dockerconfigjson"]',
  '*[".dockerconfigjson"]',
];

export function loggerModule(level: string, name: string) {
  return LoggerModule.forRoot({
    pinoHttp: {
      name,
      level,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      autoLogging: { ignore: (req) => ['/healthz', '/readyz', '/metrics'].includes(req.url ?? '') },
    },
  });
}
