import { stopLeftoverEngines } from './engine';

// After every e2e test file (jest setupFilesAfterEnv): no engine of this file outlives it.
afterAll(async () => {
  const stopped = await stopLeftoverEngines();
  if (stopped > 0) process.stderr.write(`stopped ${stopped} engine(s) the test file left running\n`);
}, 30_000);
