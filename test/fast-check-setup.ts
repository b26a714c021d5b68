// fast-check runs a property, and shrinks a failing one, synchronously: a vitest timeout cannot interrupt it. A
// property whose counterexample shrinks slowly (large generated values) once held a CI run's only unit worker for
// over ten minutes. Every property therefore stops after a time limit and fails when it does, naming itself.
import fc from 'fast-check';

fc.configureGlobal({ interruptAfterTimeLimit: 60_000, markInterruptAsFailure: true });
