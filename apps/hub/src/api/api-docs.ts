// OpenAPI decorators shared by the API controllers: bearer or cookie security, and the problem responses.
import { applyDecorators } from '@nestjs/common';
import { ApiBearerAuth, ApiCookieAuth, ApiResponse } from '@nestjs/swagger';
import { z } from 'zod';
import { problemDetails } from './dto/common.dto.js';
import { SESSION_COOKIE } from '../auth/web-session.service.js';

export const API_PREFIX = 'api/v1';

const PROBLEM_SCHEMA = z.toJSONSchema(problemDetails, { target: 'openapi-3.0' }) as Record<string, unknown>;

/** Security schemes and the errors every guarded route may answer. */
export function ApiGuarded(...statuses: number[]) {
  return applyDecorators(
    ApiBearerAuth(),
    ApiCookieAuth(SESSION_COOKIE),
    ...[400, 401, 403, ...statuses].map((status) =>
      ApiResponse({
        status,
        description: 'RFC 9457 problem details',
        content: { 'application/problem+json': { schema: PROBLEM_SCHEMA } },
      }),
    ),
  );
}
