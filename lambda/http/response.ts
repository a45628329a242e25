import type { APIGatewayProxyResultV2 } from 'aws-lambda';
import type { HooklineError } from '../domain/errors';

export type HttpResult = Exclude<APIGatewayProxyResultV2, string>;

export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}) {
  return {
    statusCode,
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  } satisfies HttpResult;
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Payload Too Large',
  422: 'Unprocessable Content',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** RFC 9457 problem details; `errors` names each offending field. */
export function problemBody(error: HooklineError, instance?: string) {
  return {
    type: `https://hookline.dev/problems/${error.code}`,
    title: TITLES[error.status] ?? 'Error',
    status: error.status,
    detail: error.message,
    ...(instance !== undefined && { instance }),
    ...(error.errors.length > 0 && { errors: error.errors }),
  };
}

export function problem(error: HooklineError, instance?: string): HttpResult {
  const headers: Record<string, string> = { 'content-type': 'application/problem+json' };
  if (error.status === 401) headers['www-authenticate'] = 'Bearer';
  if (error.retryable && error.status === 409) headers['retry-after'] = '1';
  return { statusCode: error.status, headers, body: JSON.stringify(problemBody(error, instance)) };
}
