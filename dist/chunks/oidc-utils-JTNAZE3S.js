import {createRequire as __wgCreateRequire} from 'node:module'; const require = __wgCreateRequire(import.meta.url);
import "./chunk-735RXGZ6.js";

// wg-real-oidc:node_modules/@actions/core/lib/oidc-utils.js
var OidcClient = class {
  static async getIDToken(audience) {
    const { OidcClient: Real } = await Promise.resolve().then(() => require_oidc_utils());
    return Real.getIDToken(audience);
  }
};
export {
  OidcClient
};
