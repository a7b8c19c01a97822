// tsc compiles only TypeScript; Lua scripts and SQL migrations ship beside the compiled modules.
import { cpSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const ASSET = /\.(lua|sql)$/;

function copy(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) copy(path);
    else if (ASSET.test(name)) cpSync(path, join('dist', relative('src', path)));
  }
}

copy('src');
