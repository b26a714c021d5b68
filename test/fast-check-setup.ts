// fast-check runs a property synchronously, where a vitest timeout cannot interrupt it: a property that found an
// input on which the code under test never returns (substitute() did, for `${A:-$_`) held a CI run's only unit
// worker for over ten minutes. Every property therefore stops after a time limit and fails when it does, naming
// itself. (A loop with no await inside one run still cannot be interrupted; the limit ends everything around it.)
import fc from 'fast-check';

fc.configureGlobal({ interruptAfterTimeLimit: 60_000, markInterruptAsFailure: true });
