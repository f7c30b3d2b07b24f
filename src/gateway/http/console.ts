import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { openAiError } from './openai-error';

/** Vite names every built asset by its content hash, so a file under `assets/` never changes. */
const IMMUTABLE = 'public, max-age=31536000, immutable';

/**
 * The web console (`ui/`, built by `npm run build` into `dist/ui`) at `/ui/`, and `/` sends a
 * browser there. index.html is revalidated on every load so a new build is picked up at once;
 * the hashed assets it names are cached for good. Like `/docs`, the files themselves are open:
 * the console asks for keys and sends them on its own /v1 and /admin calls.
 */
export async function serveConsole(app: NestFastifyApplication, root = consoleDir()): Promise<void> {
  const fastify = app.getHttpAdapter().getInstance();
  fastify.get('/', (_req, reply) => reply.redirect('/ui/'));
  if (!existsSync(join(root, 'index.html'))) {
    const notBuilt = openAiError(404, 'The console is not built: `npm run build` builds it into dist/ui.', {
      type: 'invalid_request_error',
      code: 'console_not_built',
    });
    fastify.get('/ui', (_req, reply) => reply.code(404).send(notBuilt));
    fastify.get('/ui/*', (_req, reply) => reply.code(404).send(notBuilt));
    return;
  }
  await app.register(fastifyStatic, {
    root,
    prefix: '/ui/',
    redirect: true,
    cacheControl: false,
    setHeaders: (reply, path) => void reply.header('cache-control', /[\\/]assets[\\/]/.test(path) ? IMMUTABLE : 'no-cache'),
  });
}

/** `dist/ui` beside the package root, found from here both in the sources (tests) and in dist/. */
function consoleDir(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return join(dir, 'dist', 'ui');
}
