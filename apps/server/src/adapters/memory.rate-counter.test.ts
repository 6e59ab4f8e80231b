import { rateCounterContract } from '../ports/rate-counter.contract.js';
import type { Clock } from '../ports/clock.port.js';
import { MemoryRateCounter } from './memory.rate-counter.js';

rateCounterContract('memory', async () => {
  let offset = 0;
  const clock: Clock = { now: () => new Date(Date.now() + offset) };
  // One process's memory: both handles are the same counter.
  const counter = new MemoryRateCounter(clock);
  return {
    a: counter,
    b: counter,
    pass: async (ms) => {
      offset += ms;
    },
    cleanup: async () => {},
  };
});
