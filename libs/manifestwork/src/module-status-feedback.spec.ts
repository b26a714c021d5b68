import { describe, expect, it } from 'vitest';
import { moduleStatusFeedbackRule } from './module-status-feedback.js';

describe('moduleStatusFeedbackRule', () => {
  it('lists upstream moduleStatusJSONPaths in upstream order', () => {
    expect(moduleStatusFeedbackRule()).toEqual({
      type: 'JSONPaths',
      jsonPaths: [
        { name: 'devicePlugin.availableNumber', path: '.status.devicePlugin.availableNumber' },
        { name: 'devicePlugin.desiredNumber', path: '.status.devicePlugin.desiredNumber' },
        { name: 'devicePlugin.nodesMatchingSelectorNumber', path: '.status.devicePlugin.nodesMatchingSelectorNumber' },
        { name: 'dra.availableNumber', path: '.status.dra.availableNumber' },
        { name: 'dra.desiredNumber', path: '.status.dra.desiredNumber' },
        { name: 'dra.nodesMatchingSelectorNumber', path: '.status.dra.nodesMatchingSelectorNumber' },
        { name: 'moduleLoader.availableNumber', path: '.status.moduleLoader.availableNumber' },
        { name: 'moduleLoader.desiredNumber', path: '.status.moduleLoader.desiredNumber' },
        { name: 'moduleLoader.nodesMatchingSelectorNumber', path: '.status.moduleLoader.nodesMatchingSelectorNumber' },
      ],
    });
  });
});
