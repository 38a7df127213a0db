/** Injection tokens of the gateway's providers. */
export const GATEWAY_CONFIG = Symbol('GATEWAY_CONFIG');
export const REDIS = Symbol('REDIS');
export const PROFILES = Symbol('PROFILES');
