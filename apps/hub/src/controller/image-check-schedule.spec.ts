import { describe, expect, it } from 'vitest';
import {
  answerLifetimeMs,
  describeCheckFailure,
  type ImageCheckOutcome,
  type ImageCheckPolicy,
} from './image-check-schedule.js';

const POLICY: ImageCheckPolicy = {
  presentTtlMs: 60_000,
  absentTtlMs: 15_000,
  backoffBaseMs: 15_000,
  backoffMaxMs: 600_000,
};

describe('answerLifetimeMs', () => {
  it.each<[ImageCheckOutcome, number, number]>([
    ['present', 0, 60_000],
    ['absent', 0, 15_000],
    ['error', 1, 15_000],
    ['error', 2, 30_000],
    ['error', 9, 600_000],
  ])('lets a %s answer after %i failures stand %i ms', (outcome, failures, expected) => {
    expect(answerLifetimeMs(outcome, failures, POLICY)).toBe(expected);
  });
});

describe('describeCheckFailure', () => {
  it.each([
    [
      'registry 10.0.0.1:5000: HEAD manifest kmm/gpu:v1: 401 UNAUTHORIZED authentication required',
      1,
      15_000,
      'registry 10.0.0.1:5000 failing: HEAD manifest kmm/gpu:v1: 401 UNAUTHORIZED authentication required; first failure, next check in 15 s',
    ],
    [
      'registry 10.0.0.1:5000: HEAD manifest kmm/gpu:v1: TIMEOUT no answer within 30000 ms',
      3,
      60_000,
      'registry 10.0.0.1:5000 failing: HEAD manifest kmm/gpu:v1: TIMEOUT no answer within 30000 ms; 3 failures in a row, next check in 60 s',
    ],
    [
      'socket hang up',
      2,
      1_500,
      'registry 10.0.0.1:5000 failing: socket hang up; 2 failures in a row, next check in 2 s',
    ],
  ])('says which registry fails, how, and when it is asked again (%s)', (message, failuresInARow, retryInMs, text) => {
    expect(describeCheckFailure({ registry: '10.0.0.1:5000', message, failuresInARow, retryInMs })).toBe(text);
  });
});
