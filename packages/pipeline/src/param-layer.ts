import { AppError } from '@lexigraph/contracts';
import { ParamError, parseParams, validateParams, type QueryParams } from '@lexigraph/core';

function asAppError(err: unknown, where: string): unknown {
  return err instanceof ParamError ? new AppError(err.code, `${where}.${err.param}: ${err.message}`, { field: `${where}.${err.param}` }) : err;
}

/**
 * Parses one layer of query parameters given as `key=value` strings (a query's `params`, a profile, a collection's
 * `defaults`) with the engine's parameter contract, so a layer is checked the same way wherever it is written or
 * read. A bad key throws AppError UNKNOWN_PARAM or BAD_PARAM_VALUE naming the field `<where>.<key>`.
 */
export function parseParamLayer(kv: Record<string, string>, where: string): Partial<QueryParams> {
  try {
    return parseParams(kv);
  } catch (err) {
    throw asAppError(err, where);
  }
}

/** Checks layered parameters together (e.g. minTokenWords <= maxTokenWords across layers); errors name `<where>.<key>`. */
export function validateParamLayers(params: Partial<QueryParams>, where: string): Partial<QueryParams> {
  try {
    return validateParams(params);
  } catch (err) {
    throw asAppError(err, where);
  }
}
