export { Authenticator, type AuthenticatorOptions, type KeyLookup } from './authenticator';
export { AuthGuard, AUTHENTICATOR, Public, RequireScope, MasterOnly, CurrentPrincipal, assertCollection, authorize } from './guard';
export { KeyAdmin, keyView, type KeyStore } from './key-admin';
export { generateKey, hashKey, keyIdOf, KEY_PREFIX } from './key-secret';
export { matchesPattern, allowsCollection, withinPatterns } from './patterns';
export { mayUseCollection, seesAllCollections, OPEN_PRINCIPAL, MASTER_PRINCIPAL, type Principal } from './principal';
export { signTenantToken, type TenantTokenInput } from './tenant-token';
export { authSettingsFromEnv, openWarning, corsOrigin, type AuthSettings } from './from-env';
export { recordAudit, type AuditEntry } from './audit-trail';
