/** Injection tokens of the gateway's providers. */
export const GATEWAY_CONFIG = Symbol('GATEWAY_CONFIG');
export const REDIS = Symbol('REDIS');
export const PROFILES = Symbol('PROFILES');
/** The app's global HTTP guards, in the order they run (the short path of queries runs them too). */
export const HTTP_GUARDS = Symbol('HTTP_GUARDS');
