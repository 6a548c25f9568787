import type { INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';
import { DomainError, ErrorCode } from '../errors';

/**
 * Nesting of a request body's objects and arrays, the top level counting as 1. Far above what any
 * DTO needs (free-form fields nest at most 16 deep inside a body), far below what makes
 * class-transformer and class-validator, which walk the body recursively, overflow the stack.
 */
export const JSON_BODY_MAX_DEPTH = 32;

const JSON_TYPES = ['application/json', 'application/*+json'];

/**
 * The admin API reads JSON bodies only: parsed with a size limit (as sent and once inflated),
 * refused with 415 when a body comes in another type, and refused when nested too deep or holding
 * a key the ValidationPipe would drop, all before any DTO is built. Replaces Nest's default parsers (create the app with `bodyParser: false`);
 * body-parser's own errors are mapped by the exception filter (fromBodyParserError).
 */
export function useJsonBody(app: INestApplication, limitBytes: number): void {
  (app as NestExpressApplication).useBodyParser('json', { limit: limitBytes, type: JSON_TYPES });
  app.use(refuseUnreadBody);
  app.use(refuseBadShape);
}

/** A body the JSON parser did not read (another content type) would reach the DTO as nothing. */
function refuseUnreadBody(req: Request, _res: Response, next: NextFunction): void {
  if (req.body === undefined && hasBody(req)) {
    return next(new DomainError(ErrorCode.UNSUPPORTED_MEDIA_TYPE, 'request body must be JSON (content-type: application/json)'));
  }
  next();
}

function refuseBadShape(req: Request, _res: Response, next: NextFunction): void {
  const problem = bodyShapeProblem(req.body, JSON_BODY_MAX_DEPTH);
  if (problem) return next(new DomainError(ErrorCode.VALIDATION_FAILED, problem));
  next();
}

function hasBody(req: Request): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && Number(length) > 0);
}

/**
 * Keys Nest's ValidationPipe deletes from every body, at any depth (against prototype pollution),
 * so a free-form field holding one would come back without it: refused rather than dropped.
 */
export const STRIPPED_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);
const KEY_LIST = [...STRIPPED_KEYS].join(', ');

/**
 * Why a parsed body may not go on to the DTO, or null: nested deeper than `maxDepth` (the top
 * level counting as 1), or holding a key the ValidationPipe would silently drop. Iterative, so no
 * input can overflow the stack.
 */
export function bodyShapeProblem(value: unknown, maxDepth: number): string | null {
  const stack: Array<{ value: unknown; depth: number }> = [{ value, depth: 1 }];
  while (stack.length > 0) {
    const { value: v, depth } = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (depth > maxDepth) return `request body is nested deeper than ${maxDepth} levels`;
    if (!Array.isArray(v)) {
      const stripped = Object.keys(v).find((key) => STRIPPED_KEYS.has(key));
      if (stripped !== undefined) return `request body has the key "${stripped}": the keys ${KEY_LIST} are refused at any depth`;
    }
    for (const item of Array.isArray(v) ? v : Object.values(v)) {
      if (typeof item === 'object' && item !== null) stack.push({ value: item, depth: depth + 1 });
    }
  }
  return null;
}
