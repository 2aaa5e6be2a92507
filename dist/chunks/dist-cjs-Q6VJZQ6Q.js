import {createRequire as __wgCreateRequire} from 'node:module'; const require = __wgCreateRequire(import.meta.url);
import {
  require_dist_cjs
} from "./chunk-RFRMSWWV.js";
import "./chunk-JQVBY46T.js";
import "./chunk-735RXGZ6.js";
export default require_dist_cjs();
