import { describe, expect, it } from 'vitest';
import {
  RENDER_VARIABLES,
  forcedBuildArgs,
  newRenderContext,
  renderBuildValue,
  renderImageReference,
  type RenderContext,
} from './render-context.js';

const MODULE = { name: 'gpu-drv', namespace: 'kmm-system' };

function contextFor(kernel: string): RenderContext {
  const result = newRenderContext(MODULE, kernel);
  if (!result.ok) throw new Error(result.reason);
  return result.context;
}

describe('newRenderContext', () => {
  it('holds upstream KernelComponentsAsEnvVars values plus the module identity', () => {
    // Upstream internal/utils/replaceStrings_test.go: "6.0.15-300.fc37.x86_64".
    const sut = contextFor('6.0.15-300.fc37.x86_64');
    const expected = {
      KERNEL_FULL_VERSION: '6.0.15-300.fc37.x86_64',
      KERNEL_VERSION: '6.0.15-300.fc37.x86_64',
      KERNEL_XYZ: '6.0.15',
      KERNEL_X: '6',
      KERNEL_Y: '0',
      KERNEL_Z: '15',
      MOD_NAME: 'gpu-drv',
      MOD_NAMESPACE: 'kmm-system',
    };
    expect(sut.image).toEqual(expected);
    expect(sut.build).toEqual(expected);
    expect(Object.keys(sut.image).toSorted()).toEqual(RENDER_VARIABLES.toSorted());
  });

  it('uses the normalized kernel for images and the reported kernel for builds', () => {
    const sut = contextFor('6.6.31+rpt-rpi-v8');
    expect(sut.image.KERNEL_FULL_VERSION).toBe('6.6.31_rpt-rpi-v8');
    expect(sut.image.KERNEL_VERSION).toBe('6.6.31_rpt-rpi-v8');
    expect(sut.build.KERNEL_FULL_VERSION).toBe('6.6.31+rpt-rpi-v8');
    expect(sut.build.KERNEL_VERSION).toBe('6.6.31+rpt-rpi-v8');
    expect(sut.build.KERNEL_Z).toBe('31_rpt');
  });

  it.each([['6.1'], ['test']])('fails for %j like upstream', (kernel) => {
    expect(newRenderContext(MODULE, kernel)).toMatchObject({ ok: false, reason: expect.stringContaining(kernel) });
  });
});

describe('renderImageReference', () => {
  const sut = contextFor('5.8.18-100.fc31.x86_64');

  it.each([
    // Upstream kernelmapper_test.go replaceTemplates.
    ['some image:${KERNEL_XYZ}', 'some image:5.8.18'],
    ['quay.io/org/${MOD_NAME}:${KERNEL_FULL_VERSION}', 'quay.io/org/gpu-drv:5.8.18-100.fc31.x86_64'],
    ['reg:5000/$MOD_NAMESPACE/$MOD_NAME:$KERNEL_VERSION', 'reg:5000/kmm-system/gpu-drv:5.8.18-100.fc31.x86_64'],
    ['r/m:${KERNEL_X}.${KERNEL_Y}-z${KERNEL_Z}', 'r/m:5.8-z18'],
    // There is no KERNEL_XY; unknown names render empty, as upstream.
    ['r/m:${KERNEL_XY}x', 'r/m:x'],
    ['r/m@sha256:abc', 'r/m@sha256:abc'],
  ])('renders %j', (template, expected) => {
    expect(renderImageReference(template, sut)).toEqual({ ok: true, value: expected });
  });

  it('fails on an unterminated substitution like upstream', () => {
    expect(renderImageReference('some image:${KERNEL_XYZ', sut)).toEqual({
      ok: false,
      reason: 'failed to substitute "some image:${KERNEL_XYZ": closing brace expected',
    });
  });
});

describe('renderBuildValue', () => {
  it('uses the kernel as reported', () => {
    const sut = contextFor('6.6.31+rpt-rpi-v8');
    expect(renderBuildValue('/opt/lib/modules/${KERNEL_FULL_VERSION}/*.ko', sut)).toEqual({
      ok: true,
      value: '/opt/lib/modules/6.6.31+rpt-rpi-v8/*.ko',
    });
  });
});

describe('forcedBuildArgs', () => {
  it('forces upstream build-resource args with the canonical identity', () => {
    expect(forcedBuildArgs(contextFor('6.6.31+rpt-rpi-v8'))).toEqual([
      { name: 'KERNEL_VERSION', value: '6.6.31+rpt-rpi-v8' },
      { name: 'KERNEL_FULL_VERSION', value: '6.6.31+rpt-rpi-v8' },
      { name: 'MOD_NAME', value: 'gpu-drv' },
      { name: 'MOD_NAMESPACE', value: 'kmm-system' },
    ]);
  });
});
