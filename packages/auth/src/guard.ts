import { applyDecorators, createParamDecorator, Inject, Injectable, SetMetadata, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AppError, type KeyScope } from '@lexigraph/contracts';
import type { Authenticator } from './authenticator';
import { mayUseCollection, OPEN_PRINCIPAL, type Principal } from './principal';

/** Injection token of the app's Authenticator. */
export const AUTHENTICATOR = Symbol('AUTHENTICATOR');

const PUBLIC = 'lexigraph:auth:public';
const SCOPE = 'lexigraph:auth:scope';
const MASTER = 'lexigraph:auth:master';
const COLLECTION_PARAM = 'lexigraph:auth:collection-param';

/** A route anyone may call without a key (`/health`, and the web page's files, never its API). */
export const Public = () => SetMetadata(PUBLIC, true);

/**
 * A route that needs `scope`; with `collectionParam`, also a key allowed to use the collection named by that path
 * parameter (checked before the collection is looked up, so a 403 says nothing about whether it exists).
 */
export const RequireScope = (scope: KeyScope, collectionParam?: string) =>
  collectionParam ? applyDecorators(SetMetadata(SCOPE, scope), SetMetadata(COLLECTION_PARAM, collectionParam)) : SetMetadata(SCOPE, scope);

/** A route only the master key may call (creating and revoking keys). */
export const MasterOnly = () => SetMetadata(MASTER, true);

interface AuthRequest {
  headers: Record<string, string | string[] | undefined>;
  params?: Record<string, unknown>;
  lexigraphPrincipal?: Principal;
}

/** The auth marks of one route (handler and controller), as the decorators above set them. */
interface RouteMarks {
  isPublic: boolean;
  masterOnly: boolean;
  scope: KeyScope | undefined;
  param: string | undefined;
}

interface HeaderResponse {
  header(name: string, value: string): unknown;
}

/** The principal of the current request (set by the AuthGuard); the `open` one when the route is public. */
export const CurrentPrincipal = createParamDecorator((_data: unknown, ctx: ExecutionContext): Principal => {
  return ctx.switchToHttp().getRequest<AuthRequest>().lexigraphPrincipal ?? OPEN_PRINCIPAL;
});

/** Throws FORBIDDEN unless the principal may use the collection `name` (for collections named in a body). */
export function assertCollection(principal: Principal, name: string): void {
  if (!mayUseCollection(principal, name)) {
    throw new AppError('FORBIDDEN', `collection: this key may not use collection "${name}"`, { collection: name });
  }
}

/**
 * Throws FORBIDDEN unless the principal holds `scope` and, when `collection` is given, may use that collection: the
 * checks of a route marked `RequireScope(scope, param)`, for servers without Nest's guard (`lexigraph serve`).
 */
export function authorize(principal: Principal, scope: KeyScope, collection?: string): void {
  if (!principal.scopes.has(scope)) {
    throw new AppError('FORBIDDEN', `authorization: this key lacks the "${scope}" scope`, { scope });
  }
  if (collection !== undefined) assertCollection(principal, collection);
}

/**
 * The guard of every HTTP route of the ingest API and the gateway (registered as APP_GUARD): authenticates the
 * request (401 with `WWW-Authenticate: Bearer`), then checks the route's scope, master-only mark and collection
 * parameter (403). A route with none of them needs a valid key of any scope. Microservice handlers (the gateway's
 * `index.published` events) are not HTTP and pass.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  /**
   * Marks by handler, then controller: decorators set them once, when the class is defined, so they are read once
   * per route instead of four metadata lookups per request.
   */
  private readonly marks = new WeakMap<object, WeakMap<object, RouteMarks>>();

  constructor(
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(AUTHENTICATOR) private readonly auth: Authenticator,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    if (ctx.getType() !== 'http') return true;
    const marks = this.marksOf(ctx.getHandler(), ctx.getClass());
    if (marks.isPublic) return true;
    const http = ctx.switchToHttp();
    const req = http.getRequest<AuthRequest>();
    let principal: Principal;
    try {
      principal = await this.auth.authenticate(req.headers.authorization);
    } catch (err) {
      if (AppError.is(err) && err.code === 'UNAUTHORIZED') http.getResponse<HeaderResponse>().header('WWW-Authenticate', 'Bearer realm="lexigraph"');
      throw err;
    }
    req.lexigraphPrincipal = principal;
    if (marks.masterOnly && principal.kind !== 'master' && principal.kind !== 'open') {
      throw new AppError('FORBIDDEN', 'authorization: only the master key may do this');
    }
    const name = marks.param ? req.params?.[marks.param] : undefined;
    if (marks.scope) authorize(principal, marks.scope, typeof name === 'string' ? name : undefined);
    else if (typeof name === 'string') assertCollection(principal, name);
    return true;
  }

  private marksOf(handler: object, controller: object): RouteMarks {
    let byController = this.marks.get(handler);
    let marks = byController?.get(controller);
    if (marks === undefined) {
      const targets = [handler, controller] as Array<() => unknown>;
      marks = {
        isPublic: this.reflector.getAllAndOverride<boolean>(PUBLIC, targets) === true,
        masterOnly: this.reflector.getAllAndOverride<boolean>(MASTER, targets) === true,
        scope: this.reflector.getAllAndOverride<KeyScope | undefined>(SCOPE, targets),
        param: this.reflector.getAllAndOverride<string | undefined>(COLLECTION_PARAM, targets),
      };
      if (byController === undefined) this.marks.set(handler, (byController = new WeakMap()));
      byController.set(controller, marks);
    }
    return marks;
  }
}
