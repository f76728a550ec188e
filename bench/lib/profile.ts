// A CPU profile of the measured part of a bench worker only (not its start-up or warm-up).
import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';

/** A running profile; `stop()` writes it as a `.cpuprofile` file. */
export interface Profile {
  stop(): Promise<void>;
}

/** Starts profiling this process, sampling every 50 µs (the default 1 ms is too coarse for one request). */
export async function startProfile(file: string): Promise<Profile> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 50 });
  await session.post('Profiler.start');
  return {
    async stop() {
      const { profile } = await session.post('Profiler.stop');
      await writeFile(file, JSON.stringify(profile));
      session.disconnect();
    },
  };
}
