/**
 * openid-client, oidc-provider and jose ship as ES modules only, and this project compiles to
 * CommonJS. With `module: nodenext`, TypeScript keeps a dynamic `import()` as it is in CommonJS
 * output, so Node loads them as ES modules from dist/, and Jest (run with
 * --experimental-vm-modules) does the same from the sources. Each is loaded once, on first use.
 */
let openIdClient: Promise<typeof import("openid-client")> | undefined;
let oidcProvider: Promise<typeof import("oidc-provider")> | undefined;
let jose: Promise<typeof import("jose")> | undefined;

export const loadOpenIdClient = () => (openIdClient ??= import("openid-client"));
export const loadOidcProvider = () => (oidcProvider ??= import("oidc-provider"));
export const loadJose = () => (jose ??= import("jose"));
