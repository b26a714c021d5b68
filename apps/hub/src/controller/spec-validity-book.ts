import type { ManagedClusterModule } from '@kmm-hub/api';
import type { SpecValidity } from '@kmm-hub/planner';

/**
 * What the controller knows, under its current Lease, about each MCM's spec: which generation it checked and whether
 * that spec was invalid (then nothing is planned or removed for it). Status says Valid=Unknown until checked.
 */
export class SpecValidityBook {
  /** MCMs whose spec is invalid, with the message. */
  private readonly invalid = new Map<string, { reason: string; message: string }>();
  /** The generation of each MCM whose spec was checked. */
  private readonly checkedGeneration = new Map<string, number | undefined>();

  markValid(mcm: ManagedClusterModule): void {
    const name = mcm.metadata.name ?? '';
    this.checkedGeneration.set(name, mcm.metadata.generation);
    this.invalid.delete(name);
  }

  /** Records an invalid spec; true when the message is new (worth a log line and an Event). */
  markInvalid(mcm: ManagedClusterModule, message: string): boolean {
    const name = mcm.metadata.name ?? '';
    this.checkedGeneration.set(name, mcm.metadata.generation);
    const known = this.invalid.get(name)?.message === message;
    this.invalid.set(name, { reason: 'InvalidSpec', message });
    return !known;
  }

  isInvalid(name: string): boolean {
    return this.invalid.has(name);
  }

  /** The spec of the MCM's current generation was checked. */
  isChecked(mcm: ManagedClusterModule): boolean {
    const name = mcm.metadata.name ?? '';
    return this.checkedGeneration.has(name) && this.checkedGeneration.get(name) === mcm.metadata.generation;
  }

  validityOf(mcm: ManagedClusterModule): SpecValidity {
    if (!this.isChecked(mcm)) return { state: 'Unchecked' };
    const invalid = this.invalid.get(mcm.metadata.name ?? '');
    return invalid ? { state: 'Invalid', ...invalid } : { state: 'Valid' };
  }

  /** Forgets the verdict but not the checked generation (an MCM whose deletion completes). */
  forgetVerdict(name: string): void {
    this.invalid.delete(name);
  }

  forget(name: string): void {
    this.invalid.delete(name);
    this.checkedGeneration.delete(name);
  }

  clear(): void {
    this.invalid.clear();
    this.checkedGeneration.clear();
  }
}
