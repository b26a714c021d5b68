// Errors services throw for expected outcomes; the problem filter gives each its HTTP status. Services never throw
// HTTP exceptions themselves.

export class ResourceNotFoundError extends Error {
  constructor(
    readonly kind: string,
    readonly resourceName: string,
  ) {
    super(`${kind} ${resourceName} not found`);
    this.name = 'ResourceNotFoundError';
  }
}

/** The resource exists but is not in a state that allows the operation. */
export class StateConflictError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'StateConflictError';
  }
}

/** A pagination cursor that this API did not hand out. */
export class InvalidCursorError extends Error {
  constructor() {
    super('invalid cursor');
    this.name = 'InvalidCursorError';
  }
}
