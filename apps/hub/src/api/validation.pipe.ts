// The one global pipe: every @Param/@Query/@Body with a `schema` (zod, via Standard Schema) is checked and
// replaced by the parsed value; a failure is a 400 listing every issue by path.
import { BadRequestException, StandardSchemaValidationPipe } from '@nestjs/common';

export function createValidationPipe(): StandardSchemaValidationPipe {
  return new StandardSchemaValidationPipe({
    transform: true,
    exceptionFactory: (issues) =>
      new BadRequestException({
        message: 'invalid request',
        errors: issues.map((i) => ({
          path: (i.path ?? []).map((p) => String(typeof p === 'object' ? p.key : p)).join('.'),
          message: i.message,
        })),
      }),
  });
}
