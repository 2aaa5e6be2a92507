import {createRequire as __wgCreateRequire} from 'node:module'; const require = __wgCreateRequire(import.meta.url);
import {
  require_dist
} from "./chunk-A4BFRNI7.js";
import "./chunk-735RXGZ6.js";
export default require_dist();
