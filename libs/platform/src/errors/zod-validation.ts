import { Injectable, type ArgumentMetadata, type PipeTransform } from '@nestjs/common';
import type { z } from 'zod';
import { AppError, type ErrorDetail } from './app-error';

type Path = (string | number)[];

function dotted(prefix: Path, path: Path): string {
  return [...prefix, ...path].map(String).join('.');
}

/**
 * Of a union's failed branches, the one the input evidently meant: the only branch whose failures are
 * not about its discriminating literal or the value's type at the union's own path. Its issues say
 * what is wrong (`method.routingNumber`), where the bare union issue would say only "Invalid input".
 */
function meantBranch(issue: z.ZodInvalidUnionIssue): z.ZodIssue[] | undefined {
  const depth = issue.path.length;
  const plausible = issue.unionErrors.filter(
    (branch) =>
      !branch.issues.some(
        (inner) =>
          (inner.path.length === depth && inner.code === 'invalid_type') ||
          (inner.path.length === depth + 1 && inner.code === 'invalid_literal'),
      ),
  );
  return plausible.length === 1 ? plausible[0].issues : undefined;
}

/** Zod issues as envelope details: `field` is the dotted path, `code` the zod issue code. */
export function zodIssuesToDetails(issues: z.ZodIssue[], prefix: Path = []): ErrorDetail[] {
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
      if (branch) return zodIssuesToDetails(branch, prefix);
    }
    return [{ field: dotted(prefix, issue.path), code: issue.code, message: issue.message }];
  });
}

/**
 * Parses input with a schema, or throws 400 `VALIDATION_FAILED` with one detail per problem.
 * `field` prefixes each path: pass the query or route parameter name when parsing a single value.
 */
export function parseWith<T extends z.ZodTypeAny>(schema: T, input: unknown, field?: string): z.output<T> {
  const result = schema.safeParse(input);
  if (result.success) return result.data as z.output<T>;
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
