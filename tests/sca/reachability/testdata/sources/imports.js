'use strict';
// Every CommonJS and ES form the JavaScript reader counts, and the traps it must not.
import defaultExport from 'es-default';
import { named, other as renamed } from 'es-named';
import * as namespace from 'es-namespace';
import 'es-side-effect';
import mixed, { part } from "@scope/es-mixed/sub/path";
export { thing } from 'es-reexport';
export * from 'es-star';
export * as bundle from 'es-star-as';
const plain = require('cjs-plain');
const { picked } = require("cjs-destructured");
const called = require('cjs-called')('arg');
const member = require('cjs-member').member;
const tpl = require(`cjs-template`);
async function later() {
  return import('dyn-literal');
}
// require('trap-line-comment')
/* import trap from 'trap-block-comment'; require('trap-block-comment-2') */
const text = "require('trap-string') and import x from 'trap-string-2'";
const name = process.env.MOD || 'trap-default';
require(name);
import(name);
require(`trap-${name}`);
require('trap-' + name);
require.resolve('trap-resolve');
const jsx = <div title="import('trap-jsx')">{require('jsx-expression')}</div>;
