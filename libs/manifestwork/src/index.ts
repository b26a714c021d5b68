export * from './decode-manifestwork-status.js';
export * from './module-status-feedback.js';
export * from './published-images.js';
export * from './render-manifestwork.js';
export * from './render-module.js';
export * from './render-problem.js';
export * from './spec-hash.js';
