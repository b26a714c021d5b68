export { loggerModule, REDACT_PATHS } from './logger-module.js';
