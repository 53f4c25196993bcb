import { Injectable, type ArgumentMetadata, type PipeTransform } from '@nestjs/common';
import type { z } from 'zod';
import { AppError, type ErrorDetail } from './app-error';

type Path = readonly PropertyKey[];
type Issue = z.core.$ZodIssue;

function dotted(prefix: Path, path: Path): string {
  return [...prefix, ...path].map(String).join('.');
}

/**
 * Of a union's failed branches, the one the input evidently meant: the only branch whose failures are
 * not about its discriminating literal or the value's type at the union's own path. Its issues say
 * what is wrong (`method.routingNumber`), where the bare union issue would say only "Invalid input".
 * Zod reports a branch's issues relative to the union, so they keep `prefix` + the union's path.
 */
function meantBranch(issue: z.core.$ZodIssueInvalidUnion): Issue[] | undefined {
  const plausible = issue.errors.filter(
    (branch) =>
      !branch.some(
        (inner) =>
          (inner.path.length === 0 && inner.code === 'invalid_type') ||
          (inner.path.length === 1 && inner.code === 'invalid_value'),
      ),
  );
  return plausible.length === 1 ? plausible[0] : undefined;
}

/** Zod issues as envelope details: `field` is the dotted path, `code` the zod issue code. */
export function zodIssuesToDetails(issues: readonly Issue[], prefix: Path = []): ErrorDetail[] {
  return issues.flatMap((issue): ErrorDetail[] => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        field: dotted(prefix, [...issue.path, key]),
        code: issue.code,
        message: `unknown field "${key}"`,
      }));
    }
    if (issue.code === 'invalid_union') {
      const branch = meantBranch(issue);
      if (branch) return zodIssuesToDetails(branch, [...prefix, ...issue.path]);
    }
    return [{ field: dotted(prefix, issue.path), code: issue.code, message: issue.message }];
  });
}

/**
 * The API's words for the commonest problems, where zod's default message reads like a type error
 * ("Invalid input: expected string, received undefined"). A message set on the schema itself wins.
 */
export function apiMessage(issue: z.core.$ZodRawIssue): string | undefined {
  if (issue.code !== 'invalid_type') return undefined;
  if (issue.input === undefined) return 'Required';
  if (issue.expected === 'int') return 'expected an integer';
  return undefined;
}

/**
 * Parses input with a schema, or throws 400 `VALIDATION_FAILED` with one detail per problem.
 * `field` prefixes each path: pass the query or route parameter name when parsing a single value.
 */
export function parseWith<T extends z.ZodTypeAny>(schema: T, input: unknown, field?: string): z.output<T> {
  const result = schema.safeParse(input, { error: apiMessage });
  if (result.success) return result.data;
  throw AppError.validation(zodIssuesToDetails(result.error.issues, field ? [field] : []));
}

/** `parseWith` for a request body: a missing body is validated as `{}`, so each required field is named. */
export function parseBody<T extends z.ZodTypeAny>(schema: T, body: unknown): z.output<T> {
  return parseWith(schema, body ?? {});
}

/**
 * `@Body(new ZodValidationPipe(schema))`, `@Query('status', new ZodValidationPipe(schema))`:
 * validates and returns the parsed (typed, defaulted) value; failures are 400 with the field named.
 */
@Injectable()
export class ZodValidationPipe<T extends z.ZodTypeAny> implements PipeTransform<unknown, z.output<T>> {
  constructor(private readonly schema: T) {}

  transform(value: unknown, metadata: ArgumentMetadata): z.output<T> {
    if (metadata.type === 'body' && metadata.data === undefined) return parseBody(this.schema, value);
    return parseWith(this.schema, value, metadata.data);
  }
}
