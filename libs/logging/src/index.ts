export {
  loggerModule,
  REDACT_PATHS,
  serializeRequest,
  serializeResponse,
  type LoggerOptions,
} from './logger-module.js';
export {
  isCredentialHeader,
  isSecretQueryParameter,
  redactHeaders,
  redactQuery,
  redactUrl,
  REDACTED,
} from './redact-http.js';
