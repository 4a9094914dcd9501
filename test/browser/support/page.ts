import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { toneWav } from './media-file.js';
import { type Page } from './tls-front.js';

/** The standalone build of Adobe's Web SDK, as a page loads it (read by path: the package does not export it). */
const ALLOY = fileURLToPath(
  new URL('../../../node_modules/@adobe/alloy/dist/alloy.js', import.meta.url),
);

/** Adobe's base code: `alloy(...)` queues commands until the library has loaded. */
const BASE_CODE = `!function(n,o){o.forEach(function(o){n[o]||((n.__alloyNS=n.__alloyNS||[]).push(o),n[o]=function(){var u=arguments;return new Promise(function(i,l){n[o].q.push([i,l,u])})},n[o].q=[])})}(window,["alloy"]);`;

export const MEDIA_SECONDS = 40;

/** The test site: a page with a `<video>` of a generated file, and alloy. */
export async function sitePages(): Promise<Record<string, Page>> {
  return {
    '/': {
      type: 'text/html; charset=utf-8',
      body: `<!doctype html><html><head><meta charset="utf-8"><script>${BASE_CODE}</script><script src="/alloy.js" async></script></head><body><video id="video" src="/media.wav" muted playsinline preload="auto"></video></body></html>`,
    },
    '/alloy.js': { type: 'text/javascript', body: await readFile(ALLOY) },
    '/media.wav': { type: 'audio/wav', body: toneWav(MEDIA_SECONDS) },
  };
}
