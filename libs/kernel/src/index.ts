export * from './kernel-mapping-problem.js';
export * from './kernel-regexp.js';
export * from './kernel-version.js';
export * from './parse-kernel-claim.js';
export * from './render-kernel-claim.js';
export * from './render-context.js';
export * from './resolve-kernel-mapping.js';
export * from './substitute.js';
