// One writer per cassette: a `<cassette>.json.lock` file holding the writer's pid. A second
// paymock that would write the same cassette refuses with a clear message; a lock left by a
// process that no longer exists is taken over.
import { open, rm } from 'node:fs/promises';
import { PaymockError } from '../core/errors.js';
import { lockHolder, processAlive } from '../core/pid-lock.js';

export interface CassetteLock {
  release(): Promise<void>;
}

export async function lockCassette(file: string): Promise<CassetteLock> {
  const lock = `${file}.lock`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(lock, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      let released = false;
      return {
        release: async () => {
          if (released) return;
          released = true;
          await rm(lock, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      // Undefined when it vanished between our attempt and the read: try again.
      const holder = await lockHolder(lock);
      if (holder !== undefined && processAlive(holder)) {
        throw new PaymockError(
          'CASSETTE_LOCKED',
          `cassette ${file} is being written by another paymock (pid ${holder}, lock file ${lock}): stop that one first, or record into another cassette`,
        );
      }
      await rm(lock, { force: true }); // stale: its writer is gone
    }
  }
  throw new PaymockError('CASSETTE_LOCKED', `could not lock cassette ${file} (lock file ${`${file}.lock`})`);
}
